"""A learner in JupyterLab: run notebook 00, watch progress, read exercise feedback.

Everything happens in Chromium against a JupyterLab serving a temporary copy
of the course; what is asserted is what the learner sees on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from coursetools import nbmeta
from coursetools.labserver import LabServer
from coursetools.layout import NOTEBOOKS, SOLUTIONS, notebook_path
from coursetools.nbcourse import fill_in, replace_cells, strip_markers
from helpers.catalogue import load_catalogue

from .lab import Cell, open_notebook, screenshot

pytestmark = pytest.mark.timeout(600)

SAMPLES = Path(__file__).parents[1] / "submissions"
ORIENTATION = "00-orientation"
SCHEMAS = "01-schemas"


def student(name: str) -> nbformat.NotebookNode:
    return nbmeta.read(notebook_path(NOTEBOOKS, name))


def reference_answers(name: str) -> dict[str | None, str]:
    """``{solution grade_id: the reference answer}`` of a notebook."""
    source = nbmeta.read(notebook_path(SOLUTIONS, name))
    return {
        nbmeta.grade_id(cell): strip_markers(cell.source)
        for cell in source.cells
        if nbmeta.is_solution(cell)
    }


def write_notebook(course: Path, name: str, label: str, nb: nbformat.NotebookNode) -> str:
    """Save ``nb`` next to the notebook ``name`` in the course copy; returns its path."""
    relative = f"notebooks/{name}/{name}-{label}.ipynb"
    nbformat.write(nb, course / relative)
    return relative


def first_error(cells: list[Cell]) -> Cell | None:
    return next((cell for cell in cells if cell.errors()), None)


def test_untouched_notebook_00_fails_only_in_exercises(page: Page, lab: LabServer) -> None:
    path = f"notebooks/{ORIENTATION}/{ORIENTATION}.ipynb"
    notebook = open_notebook(page, lab, path)
    cells = notebook.run_all()

    failed = first_error(cells)
    assert failed is not None, "an untouched notebook must stop at its first exercise"
    assert failed.is_exercise, f"Run All first failed outside an exercise: {failed}"
    ran = [cell for cell in cells[: failed.index] if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in ran), "a cell above the first exercise did not run"
    assert [cell.stderr() for cell in ran if cell.stderr()] == []

    output = notebook.show_output(failed.index)
    expect(output).to_contain_text("This exercise is not solved yet")
    screenshot(page, "00-untouched-run-all-stops-at-first-exercise")

    # Go on as a learner would, one cell at a time: only exercises may fail.
    below = [c.index for c in cells[failed.index + 1 :] if c.cell_type == "code"]
    cells = notebook.run_cells(below)
    unexpected = {
        cell.index: cell.errors() + cell.stderr()
        for cell in cells
        if (cell.errors() or cell.stderr()) and not cell.is_exercise
    }
    assert unexpected == {}, "cells that fail although the learner wrote nothing there"
    tests = [cell for cell in cells if cell.nbgrader.get("grade") and cell.cell_type == "code"]
    assert tests and all(cell.errors() for cell in tests), "an unsolved exercise passed"


def test_solved_notebook_00_runs_clean(page: Page, lab: LabServer, course: Path) -> None:
    solved = fill_in(student(ORIENTATION), nbmeta.read(notebook_path(SOLUTIONS, ORIENTATION)))
    path = write_notebook(course, ORIENTATION, "solved", solved)
    notebook = open_notebook(page, lab, path)
    cells = notebook.run_all()

    code = [cell for cell in cells if cell.cell_type == "code"]
    problems = {c.index: c.errors() + c.stderr() for c in code if c.errors() or c.stderr()}
    assert problems == {}, "a solved notebook 00 must run without an error"
    assert all(cell.execution_count for cell in code), "Run All did not reach every cell"
    tests = [cell for cell in code if cell.nbgrader.get("grade")]
    assert tests and all("✓ Visible checks passed" in cell.text() for cell in tests)

    entry = load_catalogue().notebook(ORIENTATION)
    last = notebook.show(code[-1].index)
    if "overview()" in code[-1].source:
        expect(last.locator("table.course-progress")).to_contain_text(
            f"{entry.title} ({len(entry.exercises)} of {len(entry.exercises)} exercises: "
            "visible checks passed)"
        )
    else:
        notebook.show(tests[-1].index)
    screenshot(page, "00-solved-runs-clean")


def test_progress_overview_follows_a_solved_exercise(
    page: Page, lab: LabServer, course: Path
) -> None:
    (lab.workspace / "progress.json").unlink(missing_ok=True)  # a learner's first visit
    path = f"notebooks/{ORIENTATION}/{ORIENTATION}.ipynb"
    notebook = open_notebook(page, lab, path)
    cells = notebook.cells()
    setup = next(c for c in cells if c.cell_type == "code" and "start(" in c.source)
    overview = next(c for c in cells if c.cell_type == "code" and "overview()" in c.source)
    solution = next(c for c in cells if c.nbgrader.get("solution") and c.cell_type == "code")
    test = next(c for c in cells[solution.index :] if c.nbgrader.get("grade"))
    exercise = next(e for e in load_catalogue().notebook(ORIENTATION).exercises)
    assert exercise.grade_id == test.grade_id

    notebook.run_cells([setup.index, overview.index])
    panel = notebook.show(overview.index)
    table = panel.locator("table.course-progress")
    expect(table.locator("caption")).to_have_text(
        re.compile(r"Visible checks passed: 0 of \d+ exercises")
    )
    row = table.locator("tr", has_text=exercise.title)
    expect(row).to_contain_text("not run")
    screenshot(page, "progress-before")

    notebook.set_source(solution.index, reference_answers(ORIENTATION)[solution.grade_id])
    cells = notebook.run_cells([solution.index, test.index])
    expect(notebook.show_output(test.index)).to_contain_text("✓ Visible checks passed")
    assert cells[test.index].errors() == []

    panel = notebook.show(overview.index)
    panel.get_by_role("button", name="Refresh").click()
    expect(row).to_contain_text("visible checks passed")
    expect(row).not_to_contain_text("not run")
    expect(table.locator("caption")).to_have_text(
        re.compile(r"Visible checks passed: 1 of \d+ exercises")
    )
    screenshot(page, "progress-after-refresh")


def wrong_sample(name: str) -> tuple[str, str]:
    """The first solution cell of ``name`` with a wrong sample answer, and that answer."""
    for cell in student(name).cells:
        grade_id = nbmeta.grade_id(cell) if nbmeta.is_solution(cell) else None
        sample = SAMPLES / name / str(grade_id) / "wrong.py"
        if grade_id and sample.is_file():
            return grade_id, sample.read_text(encoding="utf-8")
    pytest.fail(f"no wrong sample under tests/submissions/{name}/<grade_id>/wrong.py")


@pytest.mark.parametrize("name", [SCHEMAS])
def test_exercise_feedback_wrong_then_right(
    page: Page, lab: LabServer, course: Path, name: str
) -> None:
    grade_id, wrong = wrong_sample(name)
    answers = reference_answers(name)
    solved = fill_in(student(name), nbmeta.read(notebook_path(SOLUTIONS, name)))
    path = write_notebook(course, name, "wrong", replace_cells(solved, {grade_id: wrong}))
    notebook = open_notebook(page, lab, path)
    cells = notebook.run_all()

    failed = first_error(cells)
    assert failed is not None and failed.grade_id == f"{grade_id}-tests", failed
    assert failed.errors() == ["ExerciseFailure"]
    output = notebook.show_output(failed.index)
    for label in ("Not yet:", "expected:", "got:", "hint:"):
        expect(output).to_contain_text(label)
    expect(output).not_to_contain_text("Traceback")
    screenshot(page, f"{name}-wrong-answer-feedback")

    solution = next(c for c in cells if c.grade_id == grade_id)
    notebook.set_source(solution.index, answers[grade_id])
    cells = notebook.run_cells([solution.index, failed.index])
    assert cells[failed.index].errors() == []
    output = notebook.show_output(failed.index)
    expect(output).to_contain_text("✓ Visible checks passed")
    expect(output).not_to_contain_text("Not yet:")
    screenshot(page, f"{name}-right-answer-passes")
