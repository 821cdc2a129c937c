"""Run mypy --strict from a notebook and show its report as a learner would read it.

A ``Protocol`` is satisfied by shape, so nothing fails at run time when a class drifts
from it: only a type checker sees the drift. Notebook 03 shows the one that strikes
units of work (a protocol's plain attribute is invariant); the capstone checks the
whole package. Paths in the report are relative to the folder checked, so a report
reads the same on every machine.
"""

from __future__ import annotations

import keyword
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TypeReport:
    """mypy's verdict and its messages (what it printed, summary line included)."""

    ok: bool
    text: str

    def __str__(self) -> str:
        return self.text


def check_folder(folder: Path, *targets: str, config: Path | None = None) -> TypeReport:
    """``mypy --strict`` over ``targets`` (files or packages inside ``folder``), run there.

    ``config`` is a mypy configuration file; without one, mypy's defaults and
    ``--strict`` apply, and a configuration in ``folder`` (``pyproject.toml``,
    ``mypy.ini``) is not read, so the check means the same wherever it runs.
    """
    if not targets:
        raise ValueError("name what to check: a module file or package inside the folder")
    with tempfile.TemporaryDirectory(prefix="mypy-") as scratch:
        if config is None:
            config = Path(scratch) / "mypy.ini"
            config.write_text("[mypy]\n", encoding="utf-8")
        done = subprocess.run(
            [
                *(sys.executable, "-m", "mypy", "--strict", "--config-file", str(config)),
                *("--cache-dir", str(Path(scratch) / "cache"), "--no-color-output"),
                *targets,
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
    return TypeReport(done.returncode == 0, (done.stdout + done.stderr).strip())


def check_source(source: str, *, module: str = "example") -> TypeReport:
    """``mypy --strict`` on ``source``, saved as ``<module>.py`` in a scratch folder."""
    if not module.isidentifier() or keyword.iskeyword(module):
        raise ValueError(f"{module!r} is not a module name: use letters, digits and _")
    with tempfile.TemporaryDirectory(prefix="typecheck-") as folder:
        (Path(folder) / f"{module}.py").write_text(source, encoding="utf-8")
        return check_folder(Path(folder), f"{module}.py")
