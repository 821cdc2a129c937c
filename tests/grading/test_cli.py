"""The command line's contract: exit codes, messages, the probe."""

from __future__ import annotations

import json
import os

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
