"""The instructor guide's "try it first" walk: sample class, grade, feedback, export.

Runs the commands of ``docs/instructors.md`` section 3 as an instructor types
them (separate processes, in the course folder) and reads ``grades.csv``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from coursetools.layout import ROOT

NOTEBOOK = "00-orientation"
GUIDE = ROOT / "docs" / "instructors.md"


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@dataclass(frozen=True)
class Walk:
    """What the walk leaves: ``grades.csv`` by student, and the feedback pages written."""

    rows: dict[str, dict[str, str]]
    feedback_pages: int

    def score(self, student: str) -> float:
        return float(self.rows[student]["score"])

    @property
    def top(self) -> float:
        return float(self.rows["s01"]["max_score"])


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Walk:
    course = tmp_path_factory.mktemp("guide") / "sample-course"
    here = tmp_path_factory.mktemp("cwd")
    _run("coursetools.grading", "sample-class", str(course), "--notebooks", NOTEBOOK, cwd=here)
    _run("coursetools.grading", "class", NOTEBOOK, "--timeout", "10", "--quiet", cwd=course)
    _run("coursetools.grading", "feedback", NOTEBOOK, cwd=course)
    _run("nbgrader", "export", cwd=course)
    with (course / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return Walk(rows, len(list(course.glob("feedback/*/*/*.html"))))


def test_the_guide_shows_these_commands() -> None:
    text = GUIDE.read_text()
    for command in (
        "python -m coursetools.grading sample-class",
        "python -m coursetools.grading class 01-schemas --timeout 10",
        "python -m coursetools.grading feedback",
        "nbgrader export",
    ):
        assert command in text


@pytest.mark.timeout(300)
def test_every_student_has_a_row_in_grades_csv(walk: Walk) -> None:
    assert len(walk.rows) == 12
    assert {row["assignment"] for row in walk.rows.values()} == {NOTEBOOK}
    assert walk.feedback_pages == 12  # the file that is not a notebook too


@pytest.mark.timeout(300)
def test_honest_students_get_what_they_earned(walk: Walk) -> None:
    assert walk.top > 0
    assert [walk.score(s) for s in ("s01", "s03", "s05", "s07")] == [walk.top] * 4
    assert all(0 < walk.score(s) < walk.top for s in ("s02", "s04", "s06"))  # one wrong each
    assert walk.score("s08") < walk.top  # hard-coded answers fail the hidden tests


@pytest.mark.timeout(300)
def test_hostile_students_get_no_more_than_their_honest_answers(walk: Walk) -> None:
    assert walk.score("s09-transformer") < walk.top
    assert 0 < walk.score("s10-infinite-loop") < walk.top
    assert 0 < walk.score("s11-os-exit") < walk.top
    assert walk.score("s12-not-json") == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--notebooks", "99-missing"], "no such notebook in solutions/: 99-missing"),
        (["--students", "3"], "at least 12 students, not 3"),
        (["--notebooks", NOTEBOOK], "is not empty"),
        (["--notebooks", NOTEBOOK], "is a file"),
    ],
    ids=["unknown notebook", "too few students", "folder in use", "a file"],
)
def test_a_sample_class_refuses_bad_requests_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from coursetools.grading.cli import main

    folder = tmp_path / "sample"
    if message == "is not empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
    if message == "is a file":
        folder.write_text("mine")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert main(["sample-class", str(folder), *argv]) == 2
    assert message in capsys.readouterr().err
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    if folder.is_file():
        assert folder.read_text() == "mine"
