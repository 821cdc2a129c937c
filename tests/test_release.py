"""The student notebooks are generated from solutions/ and give nothing away."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from nbformat import NotebookNode

from coursetools import catalogue, nbmeta
from coursetools.layout import CATALOGUE, NOTEBOOKS, SOLUTIONS, assignments, notebook_path
from coursetools.release import generate

NAMES = assignments()
ID_PATTERN = re.compile(r"^\d\d-[a-z]+(-[a-z]+)*$")


def _json(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    generate(SOLUTIONS, out)
    return out


def test_every_solution_has_a_committed_student_version() -> None:
    assert NAMES, "no notebooks in solutions/"
    assert assignments(NOTEBOOKS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_student_version_matches_a_fresh_release(name: str, fresh: Path) -> None:
    committed = _json(notebook_path(NOTEBOOKS, name))
    assert committed == _json(notebook_path(fresh, name)), (
        f"notebooks/{name} differs from what solutions/{name} generates: run `make release`"
    )


def test_committed_catalogue_matches_the_student_notebooks(fresh: Path) -> None:
    assert _json(CATALOGUE) == json.loads(catalogue.render(fresh)), "run `make release`"


@pytest.mark.parametrize("name", NAMES)
def test_student_version_contains_no_solution_and_no_hidden_test(name: str) -> None:
    source = nbmeta.read(notebook_path(SOLUTIONS, name))
    student = nbmeta.read(notebook_path(NOTEBOOKS, name))
    text = json.dumps(student)
    assert "BEGIN SOLUTION" not in text
    assert "HIDDEN TESTS" not in text
    assert all(not cell.get("outputs") for cell in student.cells), "outputs must be cleared"
    hidden = {line.strip() for cell in source.cells for line in _sections(cell.source)}
    public = {line.strip() for cell in source.cells for line in _outside(cell.source)}
    secret = hidden - public - STUB_LINES - {""}
    shown = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    assert secret & shown == set(), "solution or hidden-test lines appear in the student version"


STUB_LINES = {"# YOUR CODE HERE", "raise NotImplementedError()", "YOUR ANSWER HERE"}


def _sections(source: str) -> list[str]:
    """Lines inside ``### BEGIN ...`` / ``### END ...`` markers."""
    return [line for line, inside in _marked(source) if inside]


def _outside(source: str) -> list[str]:
    return [line for line, inside in _marked(source) if not inside]


def _marked(source: str) -> list[tuple[str, bool]]:
    inside, lines = False, []
    for line in source.splitlines():
        if line.strip().startswith("### BEGIN"):
            inside = True
        elif line.strip().startswith("### END"):
            inside = False
        else:
            lines.append((line, inside))
    return lines


@pytest.mark.parametrize("name", NAMES)
def test_grade_ids_are_unique_and_follow_the_convention(name: str) -> None:
    nb = nbmeta.read(notebook_path(SOLUTIONS, name))
    ids = [nbmeta.grade_id(cell) for cell in nb.cells if nbmeta.nbgrader(cell)]
    duplicated = [grade_id for grade_id, count in Counter(ids).items() if count > 1]
    assert duplicated == [], f"grade_ids used twice: {duplicated}"
    solutions = {nbmeta.grade_id(c) for c in nb.cells if nbmeta.is_solution(c)}
    tests = {nbmeta.grade_id(c) for c in nbmeta.test_cells(nb)}
    assert tests == {f"{s}-tests" for s in solutions}, "each solution X needs a test cell X-tests"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_follows_the_anatomy(name: str) -> None:
    assert ID_PATTERN.match(name)
    nb = nbmeta.read(notebook_path(SOLUTIONS, name))
    assert nbmeta.title(nb).startswith(f"{name[:2]} · ")
    setup = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert nbmeta.grade_id(setup) == "setup" and nbmeta.nbgrader(setup)["locked"]
    # the capstone's setup also asks for the learner's own package: your_package=True
    assert (
        f'start("{name}")' in setup.source or f'start("{name}", your_package=True)' in setup.source
    )
    tests = list(nbmeta.test_cells(nb))
    points = sum(float(nbmeta.nbgrader(cell)["points"]) for cell in tests)
    intro = next(cell.source for cell in nb.cells if "**Time:**" in cell.source)
    assert f"**Exercises:** {len(tests)}, worth {points:g} points." in intro, (
        "the introduction states how many exercises there are and what they are worth"
    )
    for cell in tests:
        assert nbmeta.exercise_title(cell).startswith("Exercise ")
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{nbmeta.grade_id(cell)}: no hidden tests"
        assert nbmeta.nbgrader(cell)["points"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_solution_outputs_are_clean(name: str) -> None:
    """No errors, no stderr, no final value but full points in a test cell: each costs points."""
    nb = nbmeta.read(notebook_path(SOLUTIONS, name))
    assert "widgets" not in nb.metadata, "widget state has random ids: run `make outputs`"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code), "run `make outputs`"
    for cell in code:
        kinds = [_kind(output) for output in cell.outputs]
        assert "error" not in kinds and "stderr" not in kinds, cell.source[:80]
        if nbmeta.is_test(cell):
            # nbgrader reads a final value as the points earned: only full marks may show
            values = [_value(o) for o in cell.outputs if o.output_type == "execute_result"]
            points = float(nbmeta.nbgrader(cell)["points"])
            assert values in ([], [points]), f"{nbmeta.grade_id(cell)} ends in {values}"


def _value(output: NotebookNode) -> float | str:
    text = "".join(output.get("data", {}).get("text/plain", ""))
    try:
        return float(text)
    except ValueError:
        return text


def _kind(output: NotebookNode) -> str:
    return str(output.get("name", "") if output.output_type == "stream" else output.output_type)
