"""Build nbgrader source notebooks from Python: cells with the right metadata.

Maintainers usually edit ``solutions/`` in JupyterLab with nbgrader's "Create
Assignment" toolbar; this module does the same from code, for new notebooks and
for the synthetic notebooks the tests grade.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# nbformat's constructors carry no annotations: these names state what they return.
_code_cell: Callable[..., NotebookNode] = new_code_cell
_markdown_cell: Callable[..., NotebookNode] = new_markdown_cell
_notebook: Callable[..., NotebookNode] = new_notebook

SCHEMA_VERSION = 3


def _meta(
    grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(source: str) -> NotebookNode:
    return _markdown_cell(source.strip())


def code(source: str) -> NotebookNode:
    """An ordinary cell: a worked example the learner runs and may change."""
    return _code_cell(source.strip())


def readonly(source: str, grade_id: str) -> NotebookNode:
    """A locked cell that is not graded (setup)."""
    return _code_cell(
        source.strip(), metadata=_meta(grade_id, grade=False, solution=False, locked=True)
    )


def solution(source: str, grade_id: str) -> NotebookNode:
    """A cell the learner writes; ``### BEGIN/END SOLUTION`` marks the answer."""
    return _code_cell(
        source.strip(), metadata=_meta(grade_id, grade=False, solution=True, locked=False)
    )


def tests(source: str, grade_id: str, points: float) -> NotebookNode:
    """A locked autograder test cell worth ``points``."""
    return _code_cell(
        source.strip(),
        metadata=_meta(grade_id, grade=True, solution=False, locked=True, points=points),
    )


def notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = _notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
