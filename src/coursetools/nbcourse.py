"""An nbgrader course folder on disk, driven by nbgrader's own commands.

Used to prove the grading pipeline (tests), to time it (benchmarks), and by an
instructor's tools. The folder mirrors this repository: the same
``nbgrader_config.py``, ``solutions/`` as source, ``notebooks/`` as release,
``submitted/<student>/<assignment>/`` for submissions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.layout import NBGRADER_CONFIG, tools_on_path


class GradingError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


@dataclass(frozen=True)
class CellScore:
    grade_id: str
    score: float
    max_score: float


class NbgraderCourse:
    """A course folder at ``root`` using this repository's nbgrader configuration."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(NBGRADER_CONFIG, root / "nbgrader_config.py")

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def add_source(self, assignment: str, source_folder: Path) -> None:
        """Copy an assignment folder of ``solutions/`` into the course."""
        shutil.copytree(source_folder, self.root / "solutions" / assignment)

    def nbgrader(self, *args: str, timeout: float = 900) -> str:
        """Run ``nbgrader <args>`` in the course folder; raise with its output on failure."""
        tools_on_path()
        command = [sys.executable, "-m", "nbgrader", *args]
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise GradingError(
                f"`nbgrader {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done.stdout + done.stderr

    def generate(self, assignment: str) -> Path:
        """Generate the student version; returns its path."""
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "notebooks" / assignment / f"{assignment}.ipynb"

    def submit(self, student: str, assignment: str, nb: NotebookNode) -> Path:
        path = self.root / "submitted" / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def autograde(self, assignment: str, *extra: str) -> str:
        return self.nbgrader("autograde", assignment, "--create", *extra)

    def scores(self, assignment: str, student: str) -> dict[str, CellScore]:
        """Autograded score of each graded cell of a student's submission."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gradebook:
            submitted = gradebook.find_submission_notebook(assignment, assignment, student)
            return {
                grade.name: CellScore(grade.name, float(grade.score), float(grade.max_score))
                for grade in submitted.grades
            }


def fill_in(student_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """The student notebook with every solution cell answered as in the source.

    The answer is the source cell without nbgrader's solution markers, which is
    what a learner who wrote the reference answer would have submitted.
    """
    answers = {
        cell_id: strip_markers(cell.source)
        for cell in source_nb.cells
        if nbmeta.is_solution(cell) and (cell_id := nbmeta.grade_id(cell)) is not None
    }
    return replace_cells(student_nb, answers)


def replace_cells(nb: NotebookNode, sources: Mapping[str, str]) -> NotebookNode:
    """A copy of ``nb`` with the cells of the given grade ids set to new sources."""
    copy = _copy(nb)
    missing = set(sources) - {nbmeta.grade_id(cell) for cell in copy.cells}
    if missing:
        raise KeyError(f"no cell with grade_id {sorted(missing)}")
    for cell in copy.cells:
        cell_id = nbmeta.grade_id(cell)
        new = sources.get(cell_id) if cell_id is not None else None
        if new is not None:
            cell.source = new
    return copy


def _copy(nb: NotebookNode) -> NotebookNode:
    clone: NotebookNode = nbformat.reads(nbformat.writes(nb), as_version=4)
    return clone


def strip_markers(source: str) -> str:
    """Remove the ``### BEGIN/END SOLUTION`` lines, keeping the answer."""
    return "\n".join(
        line
        for line in source.splitlines()
        if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )
