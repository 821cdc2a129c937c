"""helpers.grading: a notebook graded as the instructor would, beside its visible result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from coursetools import nbmeta
from coursetools.layout import NOTEBOOKS, SOLUTIONS, notebook_path
from coursetools.nbcourse import fill_in, replace_cells
from helpers.catalogue import Catalogue, load_catalogue
from helpers.grading import GradedExercise, graded_exercises, render_report, true_grade
from helpers.progress import ProgressStore, Status

SAMPLES = Path(__file__).parent / "submissions"


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def test_a_gaming_answer_passes_visibly_and_the_true_grade_says_what_it_earns(
    tmp_path: Path,
) -> None:
    """00: every exercise hard-coded. The visible checks pass; graded, none earns a point."""
    name = "00-orientation"
    student = nbmeta.read(notebook_path(NOTEBOOKS, name))
    solved = fill_in(student, nbmeta.read(notebook_path(SOLUTIONS, name)))
    gaming = {
        folder.name: (folder / "hardcoded.py").read_text("utf-8")
        for folder in (SAMPLES / name).iterdir()
    }
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(replace_cells(solved, gaming), path)
    scores = true_grade(name, path)
    entry = load_catalogue().notebook(name)
    assert scores == {e.grade_id: (0.0, e.points) for e in entry.exercises}


def test_graded_exercises_pair_each_score_with_the_visible_result(
    store: ProgressStore, catalogue_factory: Callable[..., Catalogue]
) -> None:
    catalogue = catalogue_factory(
        (
            "01-schemas",
            "Schemas",
            [("a-tests", "Exercise 1: a", 2, "a"), ("b-tests", "Exercise 2: b", 3, "b")],
        )
    )
    store.record("01-schemas", "a-tests", passed=True)
    rows = graded_exercises("01-schemas", {"a-tests": (0.0, 2.0)}, store, catalogue)
    assert rows == [
        GradedExercise("a-tests", "Exercise 1: a", 0.0, 2.0, Status.PASSED),
        GradedExercise("b-tests", "Exercise 2: b", 0.0, 3.0, Status.NOT_RUN),
    ]
    page = render_report(rows)
    assert "Graded with the hidden tests: 0 of 5 points" in page
    assert "<td>visible checks passed</td><td>0 of 2</td>" in page


def test_without_the_sources_the_true_grade_says_why(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sources for 00-orientation"):
        true_grade("00-orientation", solutions=tmp_path)
