"""The instructor guide's "try it first" walk: sample class, grade, feedback, export, report.

Runs the commands of ``docs/instructors.md`` section 3 as an instructor types
them (separate processes, in the course folder) and reads ``grades.csv``.
"""

from __future__ import annotations

import base64
import csv
import html
import re
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
    """What the walk leaves: ``grades.csv`` by student, the feedback pages written, the report."""

    rows: dict[str, dict[str, str]]
    feedback_pages: int
    report: str  # the class-at-a-glance page

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
    run = ("--report", "run.json")
    _run("coursetools.grading", "class", NOTEBOOK, "--timeout", "10", "--quiet", *run, cwd=course)
    _run("coursetools.grading", "feedback", NOTEBOOK, cwd=course)
    _run("nbgrader", "export", cwd=course)
    _run("coursetools.grading", "report", NOTEBOOK, "--run-report", "run.json", cwd=course)
    with (course / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    report = (course / "reports" / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    return Walk(rows, len(list(course.glob("feedback/*/*/*.html"))), report)


def test_the_guide_shows_these_commands() -> None:
    text = GUIDE.read_text()
    for command in (
        "python -m coursetools.grading sample-class",
        "python -m coursetools.grading class 01-schemas --timeout 10",
        "python -m coursetools.grading feedback",
        "nbgrader export",
        "python -m coursetools.grading report 01-schemas --run-report run.json",
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


def _table_rows(page: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``, as text (header row left out)."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
    table = section.split("<table>", 1)[1].split("</table>", 1)[0]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table)
        if "<td>" in row
    ]


@pytest.mark.timeout(300)
def test_the_report_page_is_one_file_with_its_plots(walk: Walk) -> None:
    sources = re.findall(r'src="([^"]*)"', walk.report)
    assert len(sources) == 3  # scores, pass rates, grading times
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    assert "href=" not in walk.report


@pytest.mark.timeout(300)
def test_the_report_page_agrees_with_the_gradebook(walk: Walk) -> None:
    scores = {
        student: float(score) for student, score in _table_rows(walk.report, "Score distribution")
    }
    assert scores == {student: walk.score(student) for student in walk.rows}
    rates = _table_rows(walk.report, "Pass rate per exercise")
    assert rates and all(full.endswith(" / 12") for _, full, _, _ in rates)
    assert len(_table_rows(walk.report, "Grading time per notebook")) == 12
    assert "Not yet: " in walk.report  # the wrong answers' visible messages


@pytest.mark.timeout(300)
def test_the_report_page_lists_what_the_grader_flagged_or_skipped(walk: Walk) -> None:
    flags = {(row[0], row[3]) for row in _table_rows(walk.report, "Flagged submissions")}
    assert ("s11-os-exit", "for review") in flags  # os._exit: noted, costs no marks
    assert {("s10-infinite-loop", "not run"), ("s12-not-json", "not run")} <= flags
    assert not {student for student, _ in flags} & {"s01", "s03", "s05", "s07"}


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
