"""Reading nbgrader cell metadata without nbgrader's machinery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

BEGIN_SOLUTION = "### BEGIN SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"


def read(path: Path) -> NotebookNode:
    """Read a notebook; a malformed file is reported with its path."""
    try:
        nb: NotebookNode = nbformat.read(path, as_version=4)
        return nb
    except Exception as exc:
        raise ValueError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from exc


def nbgrader(cell: NotebookNode) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def grade_id(cell: NotebookNode) -> str | None:
    found = nbgrader(cell).get("grade_id")
    return None if found is None else str(found)


def is_test(cell: NotebookNode) -> bool:
    """A locked autograder test cell worth points."""
    meta = nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution(cell: NotebookNode) -> bool:
    return bool(nbgrader(cell).get("solution"))


def test_cells(nb: NotebookNode) -> Iterator[NotebookNode]:
    return (cell for cell in nb.cells if is_test(cell))


def title(nb: NotebookNode) -> str:
    """The text of the notebook's first ``# `` heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return str(line[2:]).strip()
    raise ValueError("the notebook has no '# Title' heading")


def exercise_title(cell: NotebookNode) -> str:
    """A test cell's first line, ``# Exercise 2: ...``, without the ``# ``."""
    first = str(cell.source).split("\n", 1)[0]
    if not first.startswith("# "):
        raise ValueError(
            f"test cell {grade_id(cell)!r} must start with a '# Exercise N: title' comment"
        )
    return first[2:].strip()
