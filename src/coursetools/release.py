"""Generate the student notebooks from ``solutions/`` with nbgrader.

nbgrader runs in a throw-away course folder (its own gradebook included), so a
release never touches an instructor's database and is reproducible: the same
sources always give the same student notebooks, which ``tests/test_release.py``
compares with the committed ones.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from coursetools import catalogue
from coursetools.layout import (
    CATALOGUE,
    NBGRADER_CONFIG,
    NOTEBOOKS,
    SOLUTIONS,
    assignments,
    tools_on_path,
)


class ReleaseError(RuntimeError):
    """nbgrader refused to generate an assignment; the message says why."""


def generate(source: Path, destination: Path, only: list[str] | None = None) -> list[str]:
    """Write the student version of each assignment of ``source`` into ``destination``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    tools_on_path()
    names = only or assignments(source)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        course = Path(tmp)
        for name in names:
            shutil.copytree(source / name, course / "source" / name)
        config = PyFileConfigLoader(NBGRADER_CONFIG.name, str(NBGRADER_CONFIG.parent)).load_config()
        config.CourseDirectory.source_directory = "source"
        config.CourseDirectory.release_directory = "release"
        config.CourseDirectory.root = str(course)
        config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
        config.Exchange.root = str(course / "exchange")
        coursedir = CourseDirectory(config=config)
        api = NbGraderAPI(coursedir=coursedir, config=config)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                raise ReleaseError(
                    f"nbgrader could not generate {name}:\n"
                    f"{result.get('log', '')}\n{result.get('error', '')}"
                )
            target = destination / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course / "release" / name, target)
    return names


def release() -> list[str]:
    """Regenerate ``notebooks/`` and the exercise catalogue from ``solutions/``."""
    names = generate(SOLUTIONS, NOTEBOOKS)
    for stale in sorted(p for p in NOTEBOOKS.iterdir() if p.is_dir() and p.name not in names):
        shutil.rmtree(stale)
    CATALOGUE.write_text(catalogue.render(NOTEBOOKS), encoding="utf-8")
    return names
