"""Build ``helpers/data/exercises.json`` from the student notebooks."""

from __future__ import annotations

from pathlib import Path

from coursetools import nbmeta
from coursetools.layout import assignments, notebook_path
from helpers.catalogue import Catalogue, Exercise, NotebookEntry, source_digest


def build(student_root: Path) -> Catalogue:
    """One entry per student notebook, one exercise per graded test cell."""
    entries = []
    for name in assignments(student_root):
        nb = nbmeta.read(notebook_path(student_root, name))
        exercises = tuple(
            Exercise(
                grade_id=nbmeta.grade_id(cell) or "",
                title=nbmeta.exercise_title(cell),
                points=float(nbmeta.nbgrader(cell)["points"]),
                source_sha256=source_digest(cell.source),
            )
            for cell in nbmeta.test_cells(nb)
        )
        entries.append(NotebookEntry(id=name, title=nbmeta.title(nb), exercises=exercises))
    return Catalogue(notebooks=tuple(entries))


def render(student_root: Path) -> str:
    return build(student_root).model_dump_json(indent=1) + "\n"
