"""Every student notebook runs top to bottom; only unsolved exercises fail.

A learner opening a notebook must never meet a cell that fails for a reason
that is not their own code: the setup and every worked example run cleanly
in the untouched student version, and every graded test cell says, without a
traceback, that its exercise is not solved yet.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from coursetools import nbmeta
from coursetools.execute import execute
from coursetools.layout import NOTEBOOKS, SOLUTIONS, assignments, notebook_path
from coursetools.nbcourse import fill_in

UNSOLVED = {"NotImplementedError", "NameError"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TRACEBACK = ("Traceback", "Cell In[", "----> ", "File <")


def _problems(cell: NotebookNode) -> list[str]:
    found = []
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            found.append(output.ename)
        elif output.output_type == "stream" and output.name == "stderr":
            found.append(f"stderr: {output.text[:200]}")
    return found


@pytest.mark.parametrize("name", assignments(NOTEBOOKS))
def test_untouched_student_version_fails_only_in_exercises(name: str) -> None:
    executed = execute(notebook_path(NOTEBOOKS, name), allow_errors=True)
    unexpected = {}
    for index, cell in enumerate(executed.cells):
        problems = _problems(cell)
        if not problems:
            continue
        allowed = UNSOLVED if nbmeta.is_solution(cell) or nbmeta.is_test(cell) else set()
        if not set(problems) <= allowed:
            unexpected[f"cell {index} ({nbmeta.grade_id(cell) or 'ungraded'})"] = problems
    assert unexpected == {}, "cells that fail for a reason that is not the learner's"
    for cell in nbmeta.test_cells(executed):
        assert _problems(cell), f"{nbmeta.grade_id(cell)} passes with no answer written"
    messages = {nbmeta.grade_id(cell): _shown(cell) for cell in nbmeta.test_cells(executed)}
    unclear = {
        grade_id: text
        for grade_id, text in messages.items()
        if "not solved yet" not in text or any(mark in text for mark in TRACEBACK)
    }
    assert unclear == {}, "an unsolved exercise's test cell must say so, without a traceback"


def _shown(cell: NotebookNode) -> str:
    """What the learner reads under a cell: its error output, colours removed."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return ANSI.sub("", "\n".join(line for o in errors for line in o.traceback))


def test_a_correct_answer_survives_the_dependencies_cell_run_again(tmp_path: Path) -> None:
    """05: run everything, then the dependency cells again, then the test cells again.

    The routes keep the dependencies they were written with; a test's override of the
    re-defined `get_clock` must still reach them.
    """
    name = "05-routers"
    solved = fill_in(
        nbmeta.read(notebook_path(NOTEBOOKS, name)), nbmeta.read(notebook_path(SOLUTIONS, name))
    )
    deps = [c for c in solved.cells if c.source.startswith("# workspace: lending/deps.py")]
    tests = list(nbmeta.test_cells(solved))
    assert deps and tests
    solved.cells += [new_code_cell(c.source) for c in [*deps, *tests]]  # ungraded copies
    path = tmp_path / name / f"{name}.ipynb"
    path.parent.mkdir()
    nbformat.write(solved, path)
    executed = execute(path, allow_errors=True)
    failing = {i: _shown(c)[-300:] for i, c in enumerate(executed.cells) if _problems(c)}
    assert failing == {}, "a correct answer fails once a worked example's cell is run again"
