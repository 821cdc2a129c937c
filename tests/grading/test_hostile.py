"""The hostile-submission corpus: every case scores what an honest reading deserves.

Each folder of ``hostile/`` is one student of a demo class: ``answers/<grade_id>.py``
replace answer cells of a correct submission, ``case.toml`` names the attack,
lists notebook edits and the expected score of every graded cell. The class is
graded with every defence; then the cases the static screen refuses to run are
graded again with the screen switched off, so that the runtime defences alone
must hold for them too (for the other cases the first run already shows it).
Beyond the scores, the class must finish, no grade may exceed its cell's
points, and the case's extra checks hold.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat
import pytest

from coursetools.grading import rebuild
from coursetools.grading.grade import ClassReport

from . import demo
from .support import Case, Course, cases, make_course, submission

CASES = cases()
MODES = ("screen", "runtime-only")
HONEST = "honest-classmate"


class Graded:
    def __init__(self, course: Course, report: ClassReport, mode: str, digest: str) -> None:
        self.course, self.report, self.mode, self.digest = course, report, mode, digest
        self.students = {n.student for n in report.notebooks}
        # a student the grader could not grade has no gradebook row: its case fails alone
        self.errors = {n.student: n.error for n in report.notebooks if n.error}
        self.all_scores = {
            student: course.scores(student) for student in self.students - set(self.errors)
        }


def screened(course: Course, case: Case) -> bool:
    """Whether the static screen refuses to run one of the case's answers."""
    generated = rebuild.generate(
        course.root / "solutions" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb", course.config
    )
    built = rebuild.rebuild(generated, submission(case, course))
    return any(built.refused(index) for index in built.screened)


@pytest.fixture(scope="module", params=MODES)
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    mode: str = request.param
    course = make_course(tmp_path_factory.mktemp(f"hostile-{mode}"))
    honest = course.submit(HONEST, course.solved)
    digest = hashlib.sha256(honest.read_bytes()).hexdigest()
    for case in CASES:
        if mode == "screen" or screened(course, case):
            course.submit(case.name, submission(case, course))
    report = course.grade(use_screen=mode == "screen")
    return Graded(course, report, mode, digest)


def _ran(graded: Graded, case: Case) -> None:
    if case.name not in graded.students:
        pytest.skip(
            "the screen does not act on this case: the screen run shows the runtime defences"
        )
    if case.name in graded.errors:
        pytest.fail(f"{case.name} was not graded: {graded.errors[case.name]}")


@pytest.mark.timeout(240)
def test_the_class_finishes(graded: Graded) -> None:
    assert graded.report.errors == []
    submitted = {p.parent.parent.name for p in graded.course.root.glob("submitted/*/*/*.ipynb")}
    assert graded.students == submitted
    assert graded.all_scores[HONEST] == demo.POINTS


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_scores(graded: Graded, case: Case) -> None:
    _ran(graded, case)
    scores = graded.all_scores[case.name]
    assert scores == case.expected_in(graded.mode), case.spec["description"]
    assert all(scores[g] <= demo.POINTS[g] for g in scores)


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.checks], ids=[c.name for c in CASES if c.checks]
)
def test_case_checks(graded: Graded, case: Case) -> None:
    _ran(graded, case)
    checks = case.checks
    if "autograded_max_bytes" in checks:
        assert graded.course.autograded(case.name).stat().st_size < checks["autograded_max_bytes"]
    if checks.get("gradebook_clean"):
        _assert_gradebook_clean(graded.course)
    if checks.get("classmate_intact"):
        path = graded.course.folder(HONEST) / f"{demo.ASSIGNMENT}.ipynb"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == graded.digest
        assert graded.all_scores[HONEST] == demo.POINTS
        assert nbformat.read(graded.course.autograded(HONEST), as_version=4).cells
    if checks.get("no_hidden_in_outputs"):
        text = _outputs_text(graded.course.autograded(case.name))
        assert not [m for m in demo.HIDDEN_MARKERS if m in text]
    if "no_process" in checks:
        assert _processes_matching(checks["no_process"]) == []


@pytest.mark.timeout(240)
def test_flagged_answers_are_noted_for_the_instructor_in_neutral_words(graded: Graded) -> None:
    if graded.mode != "screen":
        pytest.skip("the screen flags answers only when it is on")
    from nbgrader.api import Gradebook

    from coursetools.grading import course as courses
    from coursetools.grading.record import REVIEW_NOTE, quiet_gradebook

    coursedir, _ = courses.load(graded.course.root)
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        notes = {
            student: gb.find_comment("year", demo.ASSIGNMENT, demo.ASSIGNMENT, student).auto_comment
            for student in ("frame-walk", HONEST)
        }
    assert notes["frame-walk"] == (
        REVIEW_NOTE + "inspects frames, code objects or the garbage collector "
        "(sys._getframe, gc.get_objects)."
    )
    assert notes[HONEST] is None


def _assert_gradebook_clean(course: Course) -> None:
    import sqlite3

    with sqlite3.connect(course.root / "gradebook.db") as db:
        rows = db.execute(
            "SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL OR extra_credit IS NOT NULL"
        ).fetchone()
    assert rows == (0,)


def _outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(output) for cell in nb.cells for output in cell.get("outputs", []))


def _processes_matching(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command:
            found.append(int(entry))
    return found
