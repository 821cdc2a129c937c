"""The class at a glance: what a graded assignment's gradebook and ``autograded/`` say.

Read from nbgrader's own records (the gradebook's scores and automatic comments,
the autograded notebooks' test outputs), so it works on any graded course, after
the course's grader or after plain ``nbgrader autograde``. Grading times are in
neither: they come from the JSON a class run writes with ``--report FILE``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from coursetools.grading import course as courses
from coursetools.grading.record import REVIEW_NOTE, quiet_gradebook

UNREADABLE = "no readable autograded notebook"
NO_MESSAGE = "failed without a message"


@dataclass
class Exercise:
    """One autograded test cell across the class."""

    notebook: str
    grade_id: str
    max_score: float
    passed: int = 0  # full marks
    graded: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # first line -> students

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


class Concern(Enum):
    """Why a submission is listed for the instructor."""

    REVIEW = "for review"  # the gradebook's automatic comment: it costs no marks
    NOT_RUN = "not run"  # the class run's report: an answer (or notebook) the grader skipped
    NOT_GRADED = "not graded"  # the class run's report: the grading machine failed


@dataclass(frozen=True)
class Flag:
    """One answer (or notebook) the instructor should look at, and why."""

    student: str
    notebook: str
    grade_id: str
    concern: Concern
    reason: str


@dataclass(frozen=True)
class Timing:
    """One notebook's time executing (every run) and by phase, from a class run's JSON."""

    student: str
    notebook: str
    seconds: float
    phases: dict[str, float]


@dataclass
class Glance:
    """One assignment's class: scores, exercises, flags and (when known) timings."""

    assignment: str
    max_score: float
    scores: dict[str, float]  # student -> total score
    exercises: list[Exercise]
    flags: list[Flag]
    timings: list[Timing]


def gather(
    root: Path, assignment: str, db_url: str | None = None, run_report: Path | None = None
) -> Glance:
    """Everything the report page shows; :class:`~course.CourseError` if nothing is graded."""
    from nbgrader.api import Gradebook

    coursedir, _ = courses.load(root, db_url)
    found = courses.assignment(coursedir, assignment)
    lines = _report(run_report, assignment) if run_report else []
    scores: dict[str, float] = {}
    exercises: dict[tuple[str, str], Exercise] = {}
    flags: list[Flag] = []
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        source = gb.find_assignment(assignment)
        tests = {
            nb.name: [
                cell
                for cell in nb.grade_cells
                if cell.cell_type == "code" and cell.name not in {s.name for s in nb.solution_cells}
            ]
            for nb in source.notebooks
        }
        for name in found.notebooks:
            for cell in sorted(tests[name], key=lambda c: c.name):
                exercises[name, cell.name] = Exercise(name, cell.name, float(cell.max_score))
        max_score = float(source.max_score)
        for submission in sorted(source.submissions, key=lambda s: s.student.id):
            student = submission.student.id
            scores[student] = float(submission.score)
            for nb in submission.notebooks:
                folder = Path(
                    coursedir.format_path(coursedir.autograded_directory, student, assignment)
                )
                messages = _messages(folder / f"{nb.name}.ipynb")
                fallback = NO_MESSAGE if messages is not None else UNREADABLE
                for grade in nb.grades:
                    exercise = exercises.get((nb.name, grade.name))
                    if exercise is None:
                        continue
                    exercise.graded += 1
                    if float(grade.score) >= float(grade.max_score):
                        exercise.passed += 1
                    else:
                        exercise.failures[(messages or {}).get(grade.name, fallback)] += 1
                for comment in sorted(nb.comments, key=lambda c: c.name):
                    text = comment.auto_comment or ""
                    if text.startswith(REVIEW_NOTE):
                        reason = text[len(REVIEW_NOTE) :].rstrip(".")
                        flags.append(Flag(student, nb.name, comment.name, Concern.REVIEW, reason))
    if not scores:
        raise courses.CourseError(
            f"{assignment!r} has no grades yet: run `course grade {assignment}` first"
        )
    flags += _run_flags(lines)
    return Glance(
        assignment,
        max_score,
        scores,
        list(exercises.values()),
        sorted(flags, key=lambda f: (f.student, f.notebook, f.grade_id, f.concern.value)),
        [_timing(line) for line in lines if not line.get("error")],
    )


def _messages(path: Path) -> dict[str, str] | None:
    """Each test cell's message in one autograded notebook (grade_id -> first line)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    found = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id:
            message = _first_line(cell)
            if message:
                found[grade_id] = message
    return found


def _first_line(cell: NotebookNode) -> str:
    """The first line of the cell's error (its ``evalue``), else of its stderr."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = str(output.get("evalue", "")).strip() or str(output.get("ename", ""))
            return text.splitlines()[0] if text else ""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            lines = [line for line in str(output.get("text", "")).splitlines() if line.strip()]
            if lines:
                return lines[0].strip()
    return ""


def _report(path: Path, assignment: str) -> list[dict[str, Any]]:
    """The notebooks of ``assignment`` in a class run's ``--report`` JSON."""
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))
        return [
            line
            for run in runs
            if run["assignment"] == assignment
            for line in run["notebooks"]
            if isinstance(line, dict) and "student" in line and "notebook" in line
        ]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise courses.CourseError(f"{path}: not a class run's JSON report ({exc!r})") from exc


def _run_flags(lines: list[dict[str, Any]]) -> list[Flag]:
    """What only a class run knows: the answers it did not run, the notebooks it could not."""
    flags = []
    for line in lines:
        student, notebook = str(line["student"]), str(line["notebook"])
        for cell, why in sorted(line.get("not_run", {}).items()):
            flags.append(Flag(student, notebook, str(cell), Concern.NOT_RUN, str(why)))
        if line.get("error"):
            flags.append(Flag(student, notebook, "", Concern.NOT_GRADED, str(line["error"])))
    return flags


def _timing(line: dict[str, Any]) -> Timing:
    phases = {str(k): float(v) for k, v in line.get("phases", {}).items()}
    return Timing(str(line["student"]), str(line["notebook"]), float(line["seconds"]), phases)
