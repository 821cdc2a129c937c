"""An nbgrader course on disk: its configuration, assignment and submissions."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(RuntimeError):
    """The course, assignment or gradebook is not ready to grade."""


def load(root: Path, db_url: str | None = None) -> tuple[CourseDirectory, Config]:
    """The course's nbgrader configuration (Jupyter's config paths, then the course's)."""
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        if Path(folder, CONFIG_FILE).is_file():
            config.merge(PyFileConfigLoader(CONFIG_FILE, folder).load_config())
    config.CourseDirectory.root = str(root.resolve())
    if db_url:
        config.CourseDirectory.db_url = db_url
    return CourseDirectory(config=config), config


@dataclass(frozen=True)
class Assignment:
    """An assignment in the gradebook: its notebooks and their graded cells' points."""

    name: str
    notebooks: tuple[str, ...]
    points: dict[str, dict[str, float]]  # notebook -> grade_id -> max score

    @property
    def source_folder(self) -> str:
        return self.name


def assignment(coursedir: CourseDirectory, name: str) -> Assignment:
    """The assignment as ``nbgrader generate_assignment`` recorded it."""
    from coursetools.grading.record import quiet_gradebook

    require_gradebook(coursedir, name)
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            found = gb.find_assignment(name)
        except MissingEntry as exc:
            raise CourseError(
                f"no assignment {name!r} in the gradebook: "
                f"run `nbgrader generate_assignment {name}`"
            ) from exc
        notebooks = tuple(sorted(nb.name for nb in found.notebooks))
        points = {
            nb.name: {cell.name: float(cell.max_score) for cell in nb.grade_cells}
            for nb in found.notebooks
        }
    if not notebooks:
        raise CourseError(f"assignment {name!r} has no notebooks in the gradebook")
    return Assignment(name, notebooks, points)


def require_gradebook(coursedir: CourseDirectory, name: str) -> None:
    """:class:`CourseError` if the course's SQLite gradebook does not exist.

    Opening it would create an empty one, and a run would leave its lock
    behind, in a folder that may not be a course at all.
    """
    from sqlalchemy.engine import make_url

    url = make_url(coursedir.db_url)
    database = url.database
    if not url.drivername.startswith("sqlite") or database in (None, "", ":memory:"):
        return
    if not Path(database).is_file():
        raise CourseError(
            f"no gradebook at {database}: is this the course folder? "
            f"(`nbgrader generate_assignment {name}` there makes one)"
        )


def source_folder(coursedir: CourseDirectory, name: str) -> Path:
    return Path(coursedir.format_path(coursedir.source_directory, ".", name))


def students(coursedir: CourseDirectory, name: str, only: list[str] | None = None) -> list[str]:
    """Students with a submission of ``name`` (``submitted/<student>/<name>/``)."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "*", name)
    found = sorted(Path(path).parent.name for path in glob.glob(pattern) if os.path.isdir(path))
    excluded = set(filter(None, (coursedir.student_id_exclude or "").split(",")))
    found = [s for s in found if s not in excluded]
    return [s for s in found if s in only] if only else found


def data_folders(coursedir: CourseDirectory) -> tuple[str, ...]:
    """Folders holding what a kernel must never see: sources, submissions, grades."""
    folders = [
        coursedir.format_path(step, ".", ".")
        for step in (
            coursedir.source_directory,
            coursedir.release_directory,
            coursedir.submitted_directory,
            coursedir.autograded_directory,
            coursedir.feedback_directory,
        )
    ]
    folders.append(coursedir.root)
    if coursedir.db_url.startswith("sqlite:///"):
        folders.append(os.path.dirname(coursedir.db_url[len("sqlite:///") :]))
    return tuple(os.path.normpath(f) for f in folders)
