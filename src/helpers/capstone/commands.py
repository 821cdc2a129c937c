"""One command run in the package's folder, as a terminal would run it, and what it printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 600.0
OUTPUT_LINES = 80
DURATION = re.compile(r"\s+in \d+(\.\d+)?s\b")


class CapstoneError(RuntimeError):
    """The package cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class CommandResult:
    """A finished command: ``ok`` (it exited with 0), its ``output`` (stdout and stderr,
    at most the last :data:`OUTPUT_LINES` lines, with the package's and temporary folders
    shown as relative paths) and the ``command`` as typed in the package's folder."""

    command: str
    ok: bool
    output: str
    returncode: int = 0

    @property
    def summary(self) -> str:
        """The output's last line without durations ("12 passed"): stable from run to run."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return DURATION.sub("", lines[-1]).strip("= ") if lines else ""

    def __str__(self) -> str:
        mark = "ok" if self.ok else f"failed (exit code {self.returncode})"
        return f"$ {self.command}  [{mark}]\n{self.output}".rstrip()


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what would leak into the package's commands:
    the course's pytest and Jupyter settings and the learner's own LENDING_* settings."""
    dropped = ("PYTEST_", "LENDING_", "NBGRADER_", "COURSE_", "JPY_", "MPLBACKEND")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the learner's folders
    environment.pop("PYTHONPATH", None)
    environment.update(extra or {})
    return environment


def tidy(text: str, root: Path, *, lines: int = OUTPUT_LINES) -> str:
    """``text`` trimmed to its last ``lines`` lines, with no absolute folder in it."""
    temporary = Path(tempfile.gettempdir())
    for folder, shown in ((root.resolve(), "."), (root, "."), (temporary.resolve(), "<tmp>")):
        text = text.replace(f"{folder}{os.sep}", "" if shown == "." else f"{shown}/")
        text = text.replace(str(folder), shown)
    kept = text.rstrip().splitlines()
    if len(kept) > lines:
        kept = [f"... ({len(kept) - lines} lines above not shown)", *kept[-lines:]]
    return "\n".join(kept)


def run(
    root: Path,
    module: str,
    arguments: Sequence[str],
    *,
    environment: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_S,
    shown: str | None = None,
) -> CommandResult:
    """``python -m module arguments`` in ``root`` with this kernel's Python."""
    command = shown or " ".join([module, *arguments])
    try:
        finished = subprocess.run(
            [sys.executable, "-m", module, *arguments],
            cwd=root,
            env=clean_environment(environment),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CapstoneError(
            f"`{command}` did not finish within {timeout:.0f} s; run it in a terminal in the "
            "package's folder to see where it waits"
        ) from exc
    return CommandResult(
        command, finished.returncode == 0, tidy(finished.stdout, root), finished.returncode
    )
