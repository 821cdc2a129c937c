"""Phase 3, part 2: write the gradebook and ``autograded/`` as ``nbgrader autograde`` does.

For each student: create or update the student and the submission (with the
timestamp from ``timestamp.txt``), copy the submission's other files and then
the source's files into ``autograded/<student>/<assignment>/`` (regular files
only: a symlink in a submission is skipped, never followed), give missing
notebooks 0, and for each notebook run nbgrader's own ``LimitOutput``,
``SaveAutoGrades``, ``AssignLatePenalties`` and ``CheckCellMetadata`` before
writing it. The same rows, scores and files as nbgrader's, so formgrader,
``generate_feedback`` and ``export`` work unchanged.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from traitlets.config import Config

from coursetools.grading.scoring import Judged

# nbgrader 0.9.6's gradebook code triggers this SQLAlchemy 2 warning on every
# new submission; it is harmless (nbgrader adds the objects right after).
_NOT_IN_SESSION = r"Object of type <\w+> not in session"
REVIEW_NOTE = "Noted for the instructor (it costs no marks): this answer "


@contextmanager
def quiet_gradebook() -> Iterator[None]:
    """Silence that one known warning of nbgrader's gradebook code."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _NOT_IN_SESSION, SAWarning)
        yield


@contextmanager
def one_engine_per_database() -> Iterator[None]:
    """While a class is recorded, every nbgrader ``Gradebook`` of one URL shares an engine.

    nbgrader opens a new gradebook, with a new SQLAlchemy engine, in each step
    of each notebook (``SaveAutoGrades``, ``AssignLatePenalties``, ...), and an
    engine compiles every SQL statement afresh: compiling was most of the time
    spent recording a notebook. A shared engine compiles each statement once;
    ``Gradebook.close`` disposes of its connections, not of the compiled cache.
    Recording happens in one thread (phase 3), so nothing else sees the engine.
    """
    import nbgrader.api as api

    original = api.create_engine
    engines: dict[tuple[str, str], Any] = {}

    def shared(url: str, **options: Any) -> Any:
        key = (str(url), repr(sorted(options.items())))
        if key not in engines:
            engines[key] = original(url, **options)
        return engines[key]

    api.create_engine = shared
    try:
        yield
    finally:
        api.create_engine = original
        for engine in engines.values():
            engine.dispose()


def regular_files(folder: Path, ignore: list[str]) -> dict[str, Path]:
    """Non-notebook regular files under ``folder`` (relative name -> path), no symlinks."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for base, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in ignore)]
        for name in names:
            path = Path(base) / name
            if name.endswith(".ipynb") or any(fnmatch.fnmatch(name, p) for p in ignore):
                continue
            if path.is_symlink() or not path.is_file():
                continue
            found[str(path.relative_to(folder))] = path
    return found


class Recorder:
    """Writes one course's gradebook and autograded folder."""

    def __init__(self, coursedir: CourseDirectory, config: Config, *, force: bool) -> None:
        self.coursedir = coursedir
        self.config = config
        self.force = force

    def _path(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(step, student, assignment))

    def submitted(self, student: str, assignment: str) -> Path:
        return self._path(self.coursedir.submitted_directory, student, assignment)

    def autograded(self, student: str, assignment: str) -> Path:
        return self._path(self.coursedir.autograded_directory, student, assignment)

    def should_grade(self, student: str, assignment: str) -> bool:
        """nbgrader's rule: not graded yet, ``--force``, or submitted again since."""
        dest = self.autograded(student, assignment)
        if not dest.exists() or self.force:
            return True
        new = self.coursedir.get_existing_timestamp(str(self.submitted(student, assignment)))
        old = self.coursedir.get_existing_timestamp(str(dest))
        return new is not None and old is not None and new > old

    def work_files(self, student: str, assignment: str, source_folder: Path) -> dict[str, Path]:
        """The files a kernel gets: the submission's, overwritten by the source's."""
        excluded = set(self.config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
        files = regular_files(self.submitted(student, assignment), list(self.coursedir.ignore))
        for name, path in regular_files(source_folder, list(self.coursedir.ignore)).items():
            if name not in excluded:
                files[name] = path
        return files

    def begin(
        self, student: str, assignment: str, source_folder: Path, notebooks: list[str]
    ) -> None:
        """Student, submission, files and missing notebooks (``Autograde.init_assignment``)."""
        dest = self.autograded(student, assignment)
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        timestamp = self.coursedir.get_existing_timestamp(str(self.submitted(student, assignment)))
        with quiet_gradebook(), Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            gb.update_or_create_student(student)
            gb.find_assignment(assignment)
            if timestamp:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(assignment, student)
            for name in notebooks:
                if not (self.submitted(student, assignment) / f"{name}.ipynb").exists():
                    submitted = gb.find_submission_notebook(name, assignment, student)
                    for grade in submitted.grades:
                        grade.auto_score = 0
                        grade.needs_manual_grade = False
                    gb.db.commit()
        for name, path in self.work_files(student, assignment, source_folder).items():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)

    def record(
        self,
        student: str,
        assignment: str,
        notebook: str,
        judged: Judged,
        flagged: dict[str, list[str]] | None = None,
    ) -> None:
        """Save one notebook's grades and write its autograded copy.

        ``flagged``: answers the screen flagged for review (by grade_id); each gets
        the automatic comment formgrader shows beside the answer, in neutral words.
        """
        resources = {
            "nbgrader": {
                "student": student,
                "assignment": assignment,
                "notebook": notebook,
                "db_url": self.coursedir.db_url,
            },
            "unique_key": notebook,
        }
        with quiet_gradebook():
            shown, _ = LimitOutput(config=self.config).preprocess(judged.recorded, resources)
            scoring = judged.scoring
            if IgnorePattern(config=self.config).enabled:
                scoring, _ = IgnorePattern(config=self.config).preprocess(scoring, resources)
            SaveAutoGrades(config=self.config).preprocess(scoring, resources)
            AssignLatePenalties(config=self.config).preprocess(scoring, resources)
            if flagged:
                self._comment(student, assignment, notebook, flagged)
            shown, _ = CheckCellMetadata(config=self.config).preprocess(shown, resources)
            nbformat.write(shown, self.autograded(student, assignment) / f"{notebook}.ipynb")

    def _comment(
        self, student: str, assignment: str, notebook: str, flagged: dict[str, list[str]]
    ) -> None:
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            for grade_id, notes in flagged.items():
                try:
                    comment = gb.find_comment(grade_id, notebook, assignment, student)
                except MissingEntry:  # not a solution cell of the gradebook's notebook
                    continue
                comment.auto_comment = REVIEW_NOTE + "; ".join(notes) + "."
            gb.db.commit()

    def finish(self, student: str, assignment: str) -> None:
        """nbgrader's permissions on the autograded files (444, or 664 if group-shared)."""
        mode = 0o664 if self.coursedir.groupshared else 0o444
        for base, _, names in os.walk(self.autograded(student, assignment)):
            for name in names:
                os.chmod(Path(base) / name, mode)

    def abandon(self, student: str, assignment: str) -> None:
        """Remove a half-written autograded folder (nbgrader's ``_handle_failure``)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.autograded(student, assignment))
