"""The instructor guide's "try it first" walk: sample class, grade, feedback, export.

Runs the commands of ``docs/instructors.md`` section 3 as an instructor types
them (separate processes, in the course folder) and reads ``grades.csv``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
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


@pytest.fixture(scope="module")
def grades(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    course = tmp_path_factory.mktemp("guide") / "sample-course"
    here = tmp_path_factory.mktemp("cwd")
    _run("coursetools.grading", "sample-class", str(course), "--notebooks", NOTEBOOK, cwd=here)
    _run("coursetools.grading", "class", NOTEBOOK, "--timeout", "10", "--quiet", cwd=course)
    _run("coursetools.grading", "feedback", NOTEBOOK, cwd=course)
    _run("nbgrader", "export", cwd=course)
    with (course / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    rows["_feedback"] = {"count": str(len(list(course.glob("feedback/*/*/*.html"))))}
    return rows


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
def test_every_student_has_a_row_in_grades_csv(grades: dict[str, dict[str, str]]) -> None:
    students = sorted(s for s in grades if not s.startswith("_"))
    assert len(students) == 12
    assert {grades[s]["assignment"] for s in students} == {NOTEBOOK}
    assert int(grades["_feedback"]["count"]) == 12  # the file that is not a notebook too


@pytest.mark.timeout(300)
def test_honest_students_get_what_they_earned(grades: dict[str, dict[str, str]]) -> None:
    score = {s: float(row["score"]) for s, row in grades.items() if not s.startswith("_")}
    top = float(grades["s01"]["max_score"])
    assert top > 0
    assert [score[s] for s in ("s01", "s03", "s05", "s07")] == [top] * 4
    assert all(0 < score[s] < top for s in ("s02", "s04", "s06"))  # one wrong answer each
    assert score["s08"] < top  # hard-coded answers fail the hidden tests


@pytest.mark.timeout(300)
def test_hostile_students_get_no_more_than_their_honest_answers(
    grades: dict[str, dict[str, str]],
) -> None:
    score = {s: float(row["score"]) for s, row in grades.items() if not s.startswith("_")}
    top = float(grades["s01"]["max_score"])
    assert score["s09-transformer"] < top
    assert 0 < score["s10-infinite-loop"] < top
    assert 0 < score["s11-os-exit"] < top
    assert score["s12-not-json"] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--notebooks", "99-missing"], "no such notebook in solutions/: 99-missing"),
        (["--students", "3"], "at least 12 students, not 3"),
        (["--notebooks", NOTEBOOK], "is not empty"),
    ],
    ids=["unknown notebook", "too few students", "folder in use"],
)
def test_a_sample_class_refuses_bad_requests_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from coursetools.grading.cli import main

    folder = tmp_path / "sample"
    if message == "is not empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
    assert main(["sample-class", str(folder), *argv]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in folder.glob("*")) == (["notes.txt"] if folder.exists() else [])
