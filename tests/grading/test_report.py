"""``report``: the page escapes what students wrote, and bad input writes nothing.

The page drawn from a graded sample class is tested in ``test_guide.py``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from coursetools.grading.cli import main
from coursetools.grading.glance import Concern, Exercise, Flag, Glance, Timing
from coursetools.grading.glance_page import render

from . import demo
from .support import make_course

SCRIPT = "<script>alert('x')</script>"


def test_what_students_wrote_is_escaped() -> None:
    glance = Glance(
        assignment="01-<b>schemas</b>",
        max_score=2.0,
        scores={f"s<i>1</i>{SCRIPT}": 1.0},
        exercises=[Exercise("nb", "tests", 1.0, 0, 1, Counter({f"Not yet: {SCRIPT}": 1}))],
        flags=[Flag("s1", "nb", "answer", Concern.REVIEW, f"it calls {SCRIPT}")],
        timings=[Timing(SCRIPT, "nb", 1.0, {SCRIPT: 0.5})],
    )
    page = render(glance)
    assert "<script" not in page and "<b>schemas" not in page and "<i>1" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 5


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("assignment", "run_report", "message"),
    [
        (demo.ASSIGNMENT, None, "has no grades yet"),
        ("99-missing", None, "no assignment '99-missing'"),
        (demo.ASSIGNMENT, '{"cells": []}', "not a class run's JSON report"),
        (demo.ASSIGNMENT, "[{", "not a class run's JSON report"),
    ],
    ids=["not graded yet", "unknown assignment", "another JSON", "not JSON"],
)
def test_bad_requests_exit_2_and_write_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    assignment: str,
    run_report: str | None,
    message: str,
) -> None:
    root = make_course(tmp_path / "course").root
    argv = ["report", assignment, "--course", str(root)]
    if run_report is not None:
        (root / "run.json").write_text(run_report)
        argv += ["--run-report", str(root / "run.json")]
    before = _files(root)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert _files(root) == before


def test_a_folder_that_is_no_course_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "01-schemas", "--course", str(tmp_path)]) == 2
    assert "no gradebook" in capsys.readouterr().err
    assert _files(tmp_path) == []


def test_course_report_hands_every_argument_to_the_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coursetools.cli import main as course

    with pytest.raises(SystemExit):
        course(["report", "-h"])
    out = capsys.readouterr().out
    assert all(option in out for option in ("--run-report", "--output", "--db", "--course"))
