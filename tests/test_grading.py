"""The grading pipeline, end to end, with nbgrader's own commands.

For each notebook a temporary course (this repository's nbgrader_config.py,
the notebook as its source) generates the student version, receives a sample
class and autogrades it. Scores are asserted per grade_id:

- the reference solution scores full marks;
- the untouched student version scores 0 on every graded cell, without a crash;
- a submission wrong in one exercise loses exactly that exercise's points;
- a submission that hard-codes the visible examples passes the visible tests
  but scores 0 on every exercise once the hidden tests run;
- where a notebook grades by share (07's tests, scored by the mutants they catch),
  the hard-coded sample scores what ``scores.json`` records, and a sample whose tests
  assert nothing (``nothing.py``) scores 0.

The wrong and hard-coded answers live in ``tests/submissions/<notebook>/<cell>/``.
Beside ``wrong.py``, a cell may hold more typical mistakes, ``wrong-<mistake>.py``
(the course's corpus of wrong answers): each must fail its visible test with a
readable message, and a sample's ``# feedback: <words>`` lines name the words that
message must contain, so that it names the mistake actually made.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.execute import execute
from coursetools.layout import SOLUTIONS, assignments, notebook_path
from coursetools.nbcourse import CellScore, NbgraderCourse, fill_in, replace_cells

SAMPLES = Path(__file__).parent / "submissions"
NOTEBOOKS = assignments()
FEEDBACK = re.compile(r"^# feedback: (.+)$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def solution_ids(nb: NotebookNode) -> list[str]:
    return [nbmeta.grade_id(cell) or "" for cell in nb.cells if nbmeta.is_solution(cell)]


def samples(notebook: str, kind: str) -> dict[str, str]:
    """``{solution grade_id: replacement source}`` for one kind of sample."""
    source = nbmeta.read(notebook_path(SOLUTIONS, notebook))
    found: dict[str, str] = {}
    for cell_id in solution_ids(source):
        path = SAMPLES / notebook / cell_id / f"{kind}.py"
        if path.is_file():
            found[cell_id] = path.read_text(encoding="utf-8")
    return found


def mistakes(notebook: str) -> list[dict[str, tuple[str, str]]]:
    """Rounds of ``{solution grade_id: (sample name, source)}``: every ``wrong-*.py`` of
    every cell in some round, at most one per cell in each (test cells are independent)."""
    source = nbmeta.read(notebook_path(SOLUTIONS, notebook))
    per_cell = {
        cell_id: sorted((SAMPLES / notebook / cell_id).glob("wrong-*.py"))
        for cell_id in solution_ids(source)
    }
    depth = max((len(paths) for paths in per_cell.values()), default=0)
    return [
        {
            cell_id: (paths[k].name, paths[k].read_text(encoding="utf-8"))
            for cell_id, paths in per_cell.items()
            if k < len(paths)
        }
        for k in range(depth)
    ]


def recorded_scores(notebook: str, kind: str) -> dict[str, float] | None:
    """The scores ``scores.json`` records for a kind of sample, if the notebook has any."""
    path = SAMPLES / notebook / "scores.json"
    return json.loads(path.read_text(encoding="utf-8")).get(kind) if path.is_file() else None


@dataclass
class GradedClass:
    notebook: str
    course: NbgraderCourse
    student_nb: NotebookNode
    max_points: dict[str, float]

    def scores(self, student: str) -> dict[str, float]:
        graded: dict[str, CellScore] = self.course.scores(self.notebook, student)
        assert {g: s.max_score for g, s in graded.items()} == self.max_points
        return {grade_id: cell.score for grade_id, cell in graded.items()}


@pytest.fixture(scope="module", params=NOTEBOOKS)
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    notebook: str = request.param
    course = NbgraderCourse(tmp_path_factory.mktemp(f"course-{notebook}"))
    course.add_source(notebook, SOLUTIONS / notebook)
    student_nb = nbmeta.read(course.generate(notebook))
    source_nb = nbmeta.read(notebook_path(SOLUTIONS, notebook))
    solved = fill_in(student_nb, source_nb)

    course.submit("solution", notebook, solved)
    course.submit("untouched", notebook, student_nb)
    course.submit("hardcoded", notebook, replace_cells(solved, samples(notebook, "hardcoded")))
    if samples(notebook, "nothing"):
        course.submit("nothing", notebook, replace_cells(solved, samples(notebook, "nothing")))
    for cell_id, wrong in samples(notebook, "wrong").items():
        course.submit(f"wrong-{cell_id}", notebook, replace_cells(solved, {cell_id: wrong}))
    course.autograde(notebook)

    max_points = {
        nbmeta.grade_id(cell) or "": float(nbmeta.nbgrader(cell)["points"])
        for cell in nbmeta.test_cells(source_nb)
    }
    return GradedClass(notebook, course, student_nb, max_points)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_exercise_has_wrong_and_hardcoded_samples(notebook: str) -> None:
    source = nbmeta.read(notebook_path(SOLUTIONS, notebook))
    for kind in ("wrong", "hardcoded"):
        assert sorted(samples(notebook, kind), key=str) == sorted(solution_ids(source)), kind


def test_the_corpus_of_typical_mistakes_names_each_one() -> None:
    """Notebooks 00-05 keep at least 60 typical wrong answers, each naming its message's words."""
    corpus = [p for p in SAMPLES.glob("0[0-5]-*/*/wrong*.py") if FEEDBACK.search(p.read_text())]
    assert len(corpus) >= 60, f"{len(corpus)} wrong answers with `# feedback:` words"


def test_solution_scores_full_marks(graded: GradedClass) -> None:
    assert graded.max_points, f"{graded.notebook} has no graded test cells"
    assert graded.scores("solution") == graded.max_points


def test_untouched_student_version_scores_zero(graded: GradedClass) -> None:
    assert graded.scores("untouched") == dict.fromkeys(graded.max_points, 0.0)


def test_one_wrong_answer_loses_exactly_its_points(graded: GradedClass) -> None:
    for cell_id in samples(graded.notebook, "wrong"):
        expected = dict(graded.max_points, **{f"{cell_id}-tests": 0.0})
        assert graded.scores(f"wrong-{cell_id}") == expected, cell_id


def test_hardcoded_answers_fail_the_hidden_tests(graded: GradedClass) -> None:
    expected = recorded_scores(graded.notebook, "hardcoded")
    assert graded.scores("hardcoded") == (expected or dict.fromkeys(graded.max_points, 0.0))


def test_tests_that_assert_nothing_score_nothing(graded: GradedClass) -> None:
    nothing = samples(graded.notebook, "nothing")
    if not nothing:
        pytest.skip("this notebook's answers are not tests")
    expected = dict(graded.max_points, **{f"{cell_id}-tests": 0.0 for cell_id in nothing})
    assert graded.scores("nothing") == expected


def _run_student_version(graded: GradedClass, kind: str, tmp_path: Path) -> NotebookNode:
    """Execute the student version (visible tests only) with one kind of sample."""
    path = tmp_path / graded.notebook / f"{graded.notebook}.ipynb"
    path.parent.mkdir(parents=True)
    nb = replace_cells(graded.student_nb, samples(graded.notebook, kind))
    nbformat.write(nb, path)
    return execute(path, allow_errors=True)


def _errors(cell: NotebookNode) -> list[str]:
    return [out.get("ename", "") for out in cell.get("outputs", []) if out.output_type == "error"]


def test_hardcoded_answers_pass_the_visible_tests(graded: GradedClass, tmp_path: Path) -> None:
    executed = _run_student_version(graded, "hardcoded", tmp_path)
    failing = {nbmeta.grade_id(c): _errors(c) for c in nbmeta.test_cells(executed) if _errors(c)}
    assert failing == {}, "a hard-coded sample must pass the visible tests"


def test_wrong_answers_get_readable_failures(graded: GradedClass, tmp_path: Path) -> None:
    executed = _run_student_version(graded, "wrong", tmp_path)
    outcome = {nbmeta.grade_id(c): _errors(c) for c in nbmeta.test_cells(executed)}
    assert outcome == {key: ["ExerciseFailure"] for key in graded.max_points}, (
        "each wrong sample must fail its visible test with an ExerciseFailure "
        "(what was expected, what came back, a hint), not a crash"
    )
    wrong = samples(graded.notebook, "wrong")
    unnamed = {
        cell_id: missing
        for cell in nbmeta.test_cells(executed)
        if (cell_id := (nbmeta.grade_id(cell) or "").removesuffix("-tests")) in wrong
        and (missing := [w for w in FEEDBACK.findall(wrong[cell_id]) if w not in _shown(cell)])
    }
    assert unnamed == {}, "a wrong sample's message must contain its `# feedback:` words"


def _shown(cell: NotebookNode) -> str:
    """The error output under a cell as the learner reads it, colours removed."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return ANSI.sub("", "\n".join(line for o in errors for line in o.traceback))


def test_every_typical_mistake_fails_visibly_and_is_named(
    graded: GradedClass, tmp_path: Path
) -> None:
    """Each ``wrong-*.py`` fails its visible test, and its message has the words it names."""
    solved = fill_in(graded.student_nb, nbmeta.read(notebook_path(SOLUTIONS, graded.notebook)))
    problems = {}
    for k, round_ in enumerate(mistakes(graded.notebook)):
        path = tmp_path / f"round-{k}" / graded.notebook / f"{graded.notebook}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(replace_cells(solved, {c: src for c, (_, src) in round_.items()}), path)
        executed = {
            nbmeta.grade_id(c): c for c in nbmeta.test_cells(execute(path, allow_errors=True))
        }
        for cell_id, (name, source) in round_.items():
            cell = executed[f"{cell_id}-tests"]
            missing = [words for words in FEEDBACK.findall(source) if words not in _shown(cell)]
            if _errors(cell) != ["ExerciseFailure"] or missing:
                problems[f"{cell_id}/{name}"] = (_errors(cell), missing, _shown(cell)[-600:])
    assert problems == {}, "a typical mistake must fail its visible test and be named"
