"""Build ``helpers/data/exercises.json`` from the student notebooks (and their sources)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, assignments, notebook_path
from helpers.catalogue import Catalogue, Exercise, NotebookEntry, source_digest

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)


def build(student_root: Path, source_root: Path = SOLUTIONS) -> Catalogue:
    """One entry per student notebook, one exercise per graded test cell."""
    entries = []
    for name in assignments(student_root):
        nb = nbmeta.read(notebook_path(student_root, name))
        source = nbmeta.read(notebook_path(source_root, name))
        public = _identifiers(nb)
        answers = {nbmeta.grade_id(c): c.source for c in source.cells if nbmeta.is_solution(c)}
        exercises = tuple(
            Exercise(
                grade_id=nbmeta.grade_id(cell) or "",
                title=nbmeta.exercise_title(cell),
                points=float(nbmeta.nbgrader(cell)["points"]),
                source_sha256=source_digest(cell.source),
                defines=tuple(
                    n for n in defined_names(answers.get(_solution_id(cell), "")) if n in public
                ),
            )
            for cell in nbmeta.test_cells(nb)
        )
        entries.append(NotebookEntry(id=name, title=nbmeta.title(nb), exercises=exercises))
    return Catalogue(notebooks=tuple(entries))


def defined_names(code: str) -> list[str]:
    """Top-level names a cell binds by ``def``, ``class`` or assignment, in order."""
    try:
        tree = ast.parse(_MAGIC.sub("pass  # ", code))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [
                t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)
            ]
    return list(dict.fromkeys(names))


def _solution_id(test_cell: NotebookNode) -> str:
    return (nbmeta.grade_id(test_cell) or "").removesuffix("-tests")


def _identifiers(nb: NotebookNode) -> set[str]:
    """Every identifier-like word of the notebook's code: what a learner can see."""
    return {w for c in nb.cells if c.cell_type == "code" for w in _IDENTIFIER.findall(c.source)}


def render(student_root: Path, source_root: Path = SOLUTIONS) -> str:
    return build(student_root, source_root).model_dump_json(indent=1) + "\n"
