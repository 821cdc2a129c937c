"""Feedback never shows hidden tests by default; one notebook is graded to JSON."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from coursetools.grading import course as courses
from coursetools.grading.cli import main
from coursetools.grading.feedback import HideHiddenTests, Redactor, generate_feedback, hide_source

from . import demo
from .support import Course, make_course

SNOOP = "print(In)\nprint(_ih)\n"
WRONG_TOTAL = "def total(numbers):\n    return sum(numbers) if numbers else 1\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = make_course(tmp_path_factory.mktemp("feedback"))
    course.answer("ada", add="def add(a, b):\n    return a - b", total=WRONG_TOTAL)
    course.answer("snoop", member=SNOOP, total=WRONG_TOTAL)
    report = course.grade(use_screen=False)
    assert report.errors == []
    return course


def _html(course: Course, student: str) -> str:
    """The feedback page's text, without markup (highlighting splits code into spans)."""
    path = course.root / "feedback" / student / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@pytest.mark.timeout(180)
def test_feedback_hides_hidden_tests_even_when_a_student_prints_them(course: Course) -> None:
    made = generate_feedback(course.root, demo.ASSIGNMENT)
    assert len(made) == 2
    for student in ("ada", "snoop"):
        text = _html(course, student)
        assert [marker for marker in demo.HIDDEN_MARKERS if marker in text] == []
        assert "hidden tests are not shown" in text
        assert "expect_equal(add(2, 3), 5" in text  # visible tests stay
    assert "Not yet: add(2, 3)" in _html(course, "ada")  # and their readable messages


@pytest.mark.timeout(180)
def test_instructors_can_ask_for_hidden_tests(course: Course) -> None:
    generate_feedback(
        course.root, demo.ASSIGNMENT, students=("ada",), show_hidden_tests=True, force=True
    )
    assert "check_year(3000)" in _html(course, "ada")


@pytest.mark.timeout(180)
def test_plain_nbgrader_feedback_hides_them_with_the_course_config(
    course: Course, tmp_path: Path
) -> None:
    from nbgrader.apps import NbGraderAPI

    coursedir, config = courses.load(course.root)  # the repository's nbgrader_config.py
    assert config.GenerateFeedback.preprocessors[0] is HideHiddenTests
    config.Exchange.root = str(tmp_path / "exchange")
    result = NbGraderAPI(coursedir=coursedir, config=config).generate_feedback(
        demo.ASSIGNMENT, "snoop", force=True
    )
    assert result["success"], result.get("error")
    text = _html(course, "snoop")
    assert [marker for marker in demo.HIDDEN_MARKERS if marker in text] == []


def test_hide_source_and_redactor_work_on_text() -> None:
    source = (
        "a = 1\n    ### BEGIN HIDDEN TESTS\n    assert secret() == 42\n    ### END HIDDEN TESTS\n"
    )
    source += "b = 2"
    assert hide_source(source) == "a = 1\n    # (hidden tests are not shown)\nb = 2"
    redactor = Redactor(frozenset({"assert secret() == 42"}))
    traceback = "\x1b[0;32m----> 3\x1b[0m assert secret() == 42\nAssertionError"
    assert redactor.text(traceback) == "[hidden test line]\nAssertionError"


def test_only_hidden_only_lines_are_redacted() -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("await session.commit()\nexpected = False,"),
        nbformat.v4.new_code_cell(
            "### BEGIN HIDDEN TESTS\nawait session.commit()\nexpected = False,\n"
            "assert secret() == 42\n### END HIDDEN TESTS"
        ),
    ]
    redactor = Redactor.for_notebook(nb)
    assert redactor.lines == {"assert secret() == 42"}
    hint = "  hint:     put `await session.commit()` inside the block"
    assert redactor.text(f"{hint}\n> assert secret() == 42") == f"{hint}\n[hidden test line]"


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["notebook", *argv, "--timeout", "30"])
    out = capsys.readouterr().out
    result: dict[str, Any] = json.loads(out)
    result["exit_code"] = code
    return result


@pytest.mark.timeout(180)
def test_one_notebook_is_graded_to_json(course: Course, capsys: pytest.CaptureFixture[str]) -> None:
    source = course.root / "solutions" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    submission = course.folder("ada") / f"{demo.ASSIGNMENT}.ipynb"
    result = _json(capsys, str(submission), "--source", str(source))
    assert result["exit_code"] == 0
    assert result["score"] == 4.0 and result["max_score"] == 6.0
    cells = {cell["grade_id"]: cell for cell in result["cells"]}
    expected = {**demo.POINTS, "add-tests": 0.0, "total-tests": 0.0}
    assert {g: c["score"] for g, c in cells.items()} == expected
    assert "Not yet: add(2, 3)" in "\n".join(cells["add-tests"]["messages"])
    messages = "\n".join(cells["total-tests"]["messages"])
    assert "AssertionError" in messages and "total([])" not in messages
    assert result["isolation"]["mechanisms"]


@pytest.mark.timeout(180)
def test_warnings_on_stderr_do_not_fail_a_correct_answer_unless_asked(
    course: Course, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    year = (
        Path(__file__).parent / "hostile" / "stderr-warning" / "answers" / "year.py"
    ).read_text()
    submission = course.answer("warns", year=year)
    source = course.root / "solutions" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    lenient = _json(capsys, str(submission), "--source", str(source))
    strict = _json(capsys, str(submission), "--source", str(source), "--stderr-fails")
    assert lenient["score"] == 6.0
    assert strict["score"] == 4.0


@pytest.mark.timeout(60)
def test_an_unreadable_notebook_is_a_json_error_not_a_crash(
    course: Course, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    source = course.root / "solutions" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    result = _json(capsys, str(broken), "--source", str(source))
    assert result["exit_code"] == 1 and result["score"] == 0.0
    assert "not a readable notebook" in result["error"]


@pytest.mark.timeout(120)
def test_nbgrader_export_reads_the_grades(course: Course, tmp_path: Path) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    from coursetools.grading.record import quiet_gradebook

    coursedir, config = courses.load(course.root)
    target = tmp_path / "grades.csv"
    config.CsvExportPlugin.to = str(target)
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        CsvExportPlugin(config=config).export(gb)
    with target.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) >= {"ada", "snoop"}
    assert float(rows["ada"]["score"]) == 4.0
    assert float(rows["ada"]["max_score"]) == 6.0
