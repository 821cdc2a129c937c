"""The true grade of a notebook: graded as the instructor's grader would, hidden tests included.

The progress overview counts visible checks only. A self-paced learner has the
course's sources anyway (``solutions/`` holds the hidden tests), so
:func:`true_grade` runs nbgrader itself on the learner's saved notebook in a
throw-away course, and :func:`grade_report` shows each exercise's graded points
beside its visible result. Nothing of the hidden tests is shown, only scores.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

from helpers.catalogue import Catalogue, load_catalogue
from helpers.progress import LABEL, ProgressStore, Status


@dataclass(frozen=True)
class GradedExercise:
    grade_id: str
    title: str
    score: float
    max_score: float
    visible: Status


def true_grade(
    notebook_id: str, notebook: Path | None = None, *, solutions: Path | None = None
) -> dict[str, tuple[float, float]]:
    """``{test cell grade_id: (score, max score)}`` for the saved ``notebook``, by nbgrader."""
    from coursetools.layout import NOTEBOOKS, SOLUTIONS, notebook_path
    from coursetools.nbcourse import NbgraderCourse
    from coursetools.nbmeta import read

    source = (solutions or SOLUTIONS) / notebook_id
    if not source.is_dir():
        raise FileNotFoundError(f"the course's sources for {notebook_id} are not here: {source}")
    submission = read(notebook or notebook_path(NOTEBOOKS, notebook_id))
    with tempfile.TemporaryDirectory(prefix="true-grade-") as tmp:
        course = NbgraderCourse(Path(tmp))
        course.add_source(notebook_id, source)
        course.generate(notebook_id)
        course.submit("me", notebook_id, submission)
        course.autograde(notebook_id)
        scores = course.scores(notebook_id, "me")
    return {grade_id: (cell.score, cell.max_score) for grade_id, cell in scores.items()}


def graded_exercises(
    notebook_id: str,
    scores: dict[str, tuple[float, float]],
    store: ProgressStore | None = None,
    catalogue: Catalogue | None = None,
) -> list[GradedExercise]:
    """The notebook's exercises in order, each with its graded score and visible result."""
    results = (store or ProgressStore()).load().get(notebook_id, {})
    entry = (catalogue or load_catalogue()).notebook(notebook_id)
    return [
        GradedExercise(
            exercise.grade_id,
            exercise.title,
            *scores.get(exercise.grade_id, (0.0, exercise.points)),
            results.get(exercise.grade_id, Status.NOT_RUN),
        )
        for exercise in entry.exercises
    ]


def render_report(rows: list[GradedExercise]) -> str:
    """The graded result beside the visible one, as an HTML table."""
    earned = sum(row.score for row in rows)
    total = sum(row.max_score for row in rows)
    body = "".join(
        f"<tr><td style='text-align:left'>{html.escape(row.title)}</td>"
        f"<td>{LABEL[row.visible]}</td><td>{row.score:g} of {row.max_score:g}</td></tr>"
        for row in rows
    )
    return (
        "<table class='course-grade'>"
        f"<caption>Graded with the hidden tests: {earned:g} of {total:g} points</caption>"
        "<tr><th>exercise</th><th>visible checks</th><th>graded points</th></tr>"
        + body
        + "</table>"
    )


def grade_report(notebook_id: str, notebook: Path | None = None) -> object:
    """Grade the saved notebook as the instructor would and show it; save the notebook first."""
    from IPython.display import HTML

    rows = graded_exercises(notebook_id, true_grade(notebook_id, notebook))
    return HTML(render_report(rows))
