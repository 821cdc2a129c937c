"""Where things live in the course repository."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
NBGRADER_CONFIG = ROOT / "nbgrader_config.py"
CATALOGUE = ROOT / "src" / "helpers" / "data" / "exercises.json"


def assignments(source: Path = SOLUTIONS) -> list[str]:
    """Assignment ids (``NN-name``) in syllabus order."""
    return sorted(
        folder.name
        for folder in source.iterdir()
        if folder.is_dir() and (folder / f"{folder.name}.ipynb").is_file()
    )


def notebook_path(folder: Path, assignment: str) -> Path:
    """The one notebook of an assignment: ``<folder>/<id>/<id>.ipynb``."""
    return folder / assignment / f"{assignment}.ipynb"


def tools_on_path() -> None:
    """Put this interpreter's ``bin/`` first on PATH: nbgrader runs ``alembic`` by name."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
