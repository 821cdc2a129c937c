"""Every student notebook runs top to bottom; only unsolved exercises fail.

A learner opening a notebook must never meet a cell that fails for a reason
that is not their own code: the setup and every worked example run cleanly
in the untouched student version, and exercise cells fail with the course's
own messages.
"""

from __future__ import annotations

import pytest
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.execute import execute
from coursetools.layout import NOTEBOOKS, assignments, notebook_path

UNSOLVED = {"NotImplementedError", "NameError"}


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
