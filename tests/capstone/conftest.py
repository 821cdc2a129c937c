"""Workspaces as learners leave them, built from the solution notebooks' workspace cells.

A learner's workspace is what the notebook hook saves: each ``# workspace:`` cell of the
notebooks they did, once it runs, through the same :class:`helpers.workspace.Workspace`.
Here the cells are the solutions' (markers taken out), so "did notebooks 03 and 07" is a
workspace of exactly those two notebooks' cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, notebook_path
from helpers.capstone.assembly import NOTEBOOK
from helpers.checkpoint import BUILT, notebook_number
from helpers.workspace import Workspace, target_of

BEFORE_CAPSTONE = tuple(
    notebook for notebook, _ in BUILT if notebook_number(notebook) < notebook_number(NOTEBOOK)
)
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def workspace_cells(notebook: str) -> list[tuple[str, str]]:
    """``(module, source)`` for each workspace cell of a solution notebook, in order."""
    cells = []
    for cell in nbmeta.read(notebook_path(SOLUTIONS, notebook)).cells:
        target = target_of(cell.source) if cell.cell_type == "code" else None
        if target:
            lines = [line for line in cell.source.splitlines() if line.strip() not in MARKERS]
            cells.append((target, "\n".join(lines)))
    return cells


def learners_workspace(root: Path, notebooks: Iterable[str] = BEFORE_CAPSTONE) -> Path:
    """``root`` as the workspace of a learner who did ``notebooks`` (and nothing else)."""
    workspace = Workspace(root)
    for notebook in notebooks:
        for module, source in workspace_cells(notebook):
            workspace.save(module, source)
    return root
