"""The tree passes ``make lint``: CI runs ``make test`` only, so the habits are a test.

Each tool runs as ``make lint`` runs it (its configuration is in ``pyproject.toml``),
in its own process, and a failure shows the tool's own report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from coursetools.layout import ROOT

BIN = Path(sys.executable).parent
# The folders ``make lint`` checks, read from the Makefile so the two cannot drift apart.
LINTED = re.findall(
    r"^LINTED\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE
)[0].split()


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *LINTED],
        ["ruff", "format", "--check", *LINTED],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_make_lint_passes(command: list[str]) -> None:
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
