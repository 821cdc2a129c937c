"""The command line's contract: exit codes, messages, the probe."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from coursetools.grading.cli import main

from .support import make_course


@pytest.mark.timeout(120)
def test_an_unknown_assignment_is_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    course = make_course(tmp_path_factory.mktemp("cli"))
    assert main(["class", "99-missing", "--course", str(course.root), "--quiet"]) == 2
    assert "nbgrader generate_assignment 99-missing" in capsys.readouterr().err


def test_a_folder_with_no_gradebook_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opening nbgrader's gradebook would create an empty ``gradebook.db`` there."""
    (tmp_path / "notes.txt").write_text("not a course")
    assert main(["class", "01-schemas", "--course", str(tmp_path), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert f"no gradebook at {tmp_path / 'gradebook.db'}: is this the course folder?" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.timeout(120)
@pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root")
def test_the_probe_prints_what_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["jailed"] and found["private_uid"]
    assert found["mechanisms"] and isinstance(found["warnings"], list)


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in ("class", "notebook", "feedback", "probe"))


@pytest.mark.timeout(180)
def test_a_process_pool_grades_like_the_thread_pool(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from . import demo

    course = make_course(tmp_path_factory.mktemp("processes"))
    course.submit("solution", course.solved)
    course.answer("wrong", year="def check_year(year):\n    return year")
    argv = ["class", demo.ASSIGNMENT, "--course", str(course.root), "--quiet", "--processes"]
    assert main([*argv, "--jobs", "2", "--report", str(course.root / "report.json")]) == 0
    assert course.scores("solution") == demo.POINTS
    assert course.scores("wrong") == {**demo.POINTS, "year-tests": 0.0}
    report = json.loads((course.root / "report.json").read_text())
    assert {line["student"] for line in report[0]["notebooks"]} == {"solution", "wrong"}
    _assert_timed(report[0])


def _assert_timed(run: dict[str, Any]) -> None:
    """Every notebook says where its time went, each part inside its whole."""
    assert 0 < run["setup_seconds"] < run["seconds"]
    for line in run["notebooks"]:
        phases = line["phases"]
        assert set(phases) >= {
            "rebuild",
            "screen",
            "sandbox start",
            "of which fork and jail",
            "kernel start",
            "trusted cells",
            "graded cells",
            "of which guard",
            "of which audit hook",
            "sandbox end",
            "scoring",
            "gradebook writes",
            "autograded files",
            "ledger",
        }
        assert all(seconds >= 0 for seconds in phases.values())
        assert phases["of which fork and jail"] <= phases["sandbox start"]
        inside = phases["of which guard"] + phases["of which audit hook"]
        assert 0 < inside < phases["trusted cells"] + phases["graded cells"]
        assert 0 <= line["started"] <= line["started"] + line["seconds"] <= run["seconds"]


def test_course_grade_hands_every_argument_to_the_class_grader(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coursetools.cli import main as course

    with pytest.raises(SystemExit):
        course(["grade", "-h"])
    out = capsys.readouterr().out
    assert all(option in out for option in ("--jobs", "--force", "--processes", "--dask"))


@pytest.mark.timeout(120)
def test_course_grade_reports_an_unknown_assignment(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from coursetools.cli import main as course

    root = make_course(tmp_path_factory.mktemp("course-cli")).root
    assert course(["grade", "99-missing", "--course", str(root), "--quiet"]) == 2
    assert "99-missing" in capsys.readouterr().err
