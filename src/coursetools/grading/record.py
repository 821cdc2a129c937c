"""Phase 3, part 2: write the gradebook and ``autograded/`` as ``nbgrader autograde`` does.

For each student: create or update the student and the submission (with the
timestamp from ``timestamp.txt``), copy the submission's other files and then
the source's files into ``autograded/<student>/<assignment>/`` (regular files
only: a symlink in a submission is skipped, never followed), give missing
notebooks 0, and for each notebook run nbgrader's own ``LimitOutput``,
``SaveAutoGrades``, ``AssignLatePenalties`` and ``CheckCellMetadata`` before
writing it. The same rows, scores and files as nbgrader's, so formgrader,
``generate_feedback`` and ``export`` work unchanged; a student's rows are
committed in one transaction (:func:`one_transaction`). Around all that, the
ledger (:mod:`coursetools.grading.ledger`) marks the student's recording as
begun, then finished: only a finished one counts as graded.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
import time
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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

from coursetools.grading.ledger import Entry, Ledger, Scores, State, Why, timestamp_text
from coursetools.grading.scoring import Judged
from coursetools.grading.stops import stop

# nbgrader 0.9.6's gradebook code triggers this SQLAlchemy 2 warning on every
# new submission; it is harmless (nbgrader adds the objects right after).
_NOT_IN_SESSION = r"Object of type <\w+> not in session"
REVIEW_NOTE = "Noted for the instructor (it costs no marks): this answer "
GRADEBOOK, FILES, LEDGER = "gradebook writes", "autograded files", "ledger"


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
    spent recording a notebook. A shared engine compiles each statement once,
    and keeps its connections until the end (``Gradebook.close`` would close
    them: a new connection for every gradebook opened).
    Each gradebook also makes sure every table exists (a query per table): with
    a shared engine, that is done once. Recording happens in one thread
    (phase 3), so nothing else sees the engine.
    """
    import nbgrader.api as api

    original = api.create_engine
    engines: dict[tuple[str, str], Any] = {}
    tables_made: list[Any] = []  # the engines whose tables exist
    metadata = api.Base.metadata
    create_all = metadata.create_all

    disposers: list[Any] = []

    def shared(url: str, **options: Any) -> Any:
        key = (str(url), repr(sorted(options.items())))
        if key not in engines:
            engine = engines[key] = original(url, **options)
            disposers.append(engine.dispose)
            engine.dispose = lambda close=True: None  # Gradebook.close: keep the connections
        return engines[key]

    def create_once(bind: Any, **options: Any) -> None:
        if not any(bind is engine for engine in tables_made):
            create_all(bind=bind, **options)
            tables_made.append(bind)

    api.create_engine = shared
    metadata.create_all = create_once  # for these gradebooks only
    try:
        yield
    finally:
        api.create_engine = original
        del metadata.create_all
        for dispose in disposers:
            dispose()


@contextmanager
def schemas_checked_once() -> Iterator[None]:
    """While a class is recorded, nbgrader's metadata schema is checked once, not per cell.

    ``CheckCellMetadata`` validates each cell with ``jsonschema.validate``, which
    checks the schema itself first: most of the time of writing an autograded
    notebook. The same validation (the same errors), with one validator per schema.
    """
    from nbgrader.nbgraderformat import common

    jsonschema = common.jsonschema
    validators: dict[str, Any] = {}

    def validate(instance: object, schema: dict[str, Any]) -> None:
        key = json.dumps(schema, sort_keys=True)
        if key not in validators:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            validators[key] = kind(schema)
        error = jsonschema.exceptions.best_match(validators[key].iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = types.SimpleNamespace(validate=validate)  # the one function nbgrader calls
    try:
        yield
    finally:
        common.jsonschema = jsonschema


class _SharedSession:
    """The one session of :func:`one_transaction`, as each nbgrader ``Gradebook`` sees it.

    nbgrader's ``commit`` only flushes (the rows are visible to every later
    query of the transaction), and ``remove`` (``Gradebook.close``) keeps the
    session open; everything else is the session's own.
    """

    def __init__(self, session: Any) -> None:
        self.session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def commit(self) -> None:
        self.session.flush()

    def remove(self) -> None:
        pass


@contextmanager
def one_transaction(committing: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
    """Every nbgrader ``Gradebook`` opened inside shares one session: one transaction.

    nbgrader commits after each step (the student, the submission, each
    notebook's grades, its late penalty, its comments), and every commit that
    writes syncs the gradebook to disk: most of a notebook's gradebook writes
    were those syncs. Here the student's rows are committed once, on leaving
    without an error, and rolled back otherwise: a student is in the gradebook
    whole or not at all. Recording happens in one thread (phase 3).
    ``committing`` wraps the commit (the recorder's timer).
    """
    import nbgrader.api as api

    original = api.scoped_session
    shared: list[_SharedSession] = []

    def scoped(factory: Any) -> _SharedSession:
        if not shared:
            shared.append(_SharedSession(factory()))
        return shared[0]

    api.scoped_session = scoped
    try:
        yield
        if shared:
            with committing(), quiet_gradebook():
                shared[0].session.commit()
    except BaseException:
        if shared:
            shared[0].session.rollback()
        raise
    finally:
        api.scoped_session = original
        if shared:
            shared[0].session.close()


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
        self._ledgers: dict[str, Ledger] = {}
        self.seconds: dict[str, float] = {}  # spent recording, by part (for the report)

    @contextmanager
    def timed(self, part: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - began

    def transaction(self) -> AbstractContextManager[None]:
        """One student's gradebook writes, committed at once (:func:`one_transaction`)."""
        return one_transaction(lambda: self.timed(GRADEBOOK))

    def _path(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.coursedir.format_path(step, student, assignment))

    def submitted(self, student: str, assignment: str) -> Path:
        return self._path(self.coursedir.submitted_directory, student, assignment)

    def autograded(self, student: str, assignment: str) -> Path:
        return self._path(self.coursedir.autograded_directory, student, assignment)

    def ledger(self, assignment: str) -> Ledger:
        if assignment not in self._ledgers:
            self._ledgers[assignment] = Ledger(Path(self.coursedir.root), assignment)
        return self._ledgers[assignment]

    def statuses(
        self, students: list[str], assignment: str, notebooks: list[str]
    ) -> dict[str, Why]:
        """Why each student is to be graded, or :attr:`Why.GRADED` if they are not."""
        with quiet_gradebook(), Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            return {s: self._status(gb, s, assignment, notebooks) for s in students}

    def _status(self, gb: Gradebook, student: str, assignment: str, notebooks: list[str]) -> Why:
        if self.force:
            return Why.FORCED
        entry = self.ledger(assignment).get(student)
        saved = _saved(gb, student, assignment, notebooks)
        if entry is None:
            return Why.NEW if saved is None else Why.UNLEDGERED
        if entry.state is not State.GRADED:
            return Why.INTERRUPTED if entry.state is State.RECORDING else Why.FAILED
        submitted = self.coursedir.get_existing_timestamp(str(self.submitted(student, assignment)))
        if timestamp_text(submitted) != entry.timestamp:
            return Why.RESUBMITTED
        if saved is None or saved[1] != entry.scores or entry.timestamp not in (None, saved[0]):
            return Why.GRADEBOOK
        folder = self.autograded(student, assignment)
        if not all((folder / f"{name}.ipynb").is_file() for name in notebooks):
            return Why.AUTOGRADED
        return Why.GRADED

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
        """Student, submission, files and missing notebooks (``Autograde.init_assignment``).

        The ledger says ``recording`` before anything else is written.
        """
        with self.timed(LEDGER):
            self.ledger(assignment).set(student, Entry(State.RECORDING))
        dest = self.autograded(student, assignment)
        with self.timed(FILES):
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
        timestamp = self.coursedir.get_existing_timestamp(str(self.submitted(student, assignment)))
        with (
            self.timed(GRADEBOOK),
            quiet_gradebook(),
            Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb,
        ):
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
        with self.timed(FILES):
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
        with quiet_gradebook(), self.timed(GRADEBOOK):
            scoring = judged.scoring
            if IgnorePattern(config=self.config).enabled:
                scoring, _ = IgnorePattern(config=self.config).preprocess(scoring, resources)
            SaveAutoGrades(config=self.config).preprocess(scoring, resources)
            AssignLatePenalties(config=self.config).preprocess(scoring, resources)
            if flagged:
                self._comment(student, assignment, notebook, flagged)
        stop("saved")
        with quiet_gradebook(), self.timed(FILES):
            shown, _ = LimitOutput(config=self.config).preprocess(judged.recorded, resources)
            shown, _ = CheckCellMetadata(config=self.config).preprocess(shown, resources)
            nbformat.write(shown, self.autograded(student, assignment) / f"{notebook}.ipynb")
        stop("written")

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

    def finish(self, student: str, assignment: str, notebooks: list[str]) -> None:
        """nbgrader's permissions on the autograded files (444, or 664 if group-shared).

        Then the ledger says ``graded``, with the scores the gradebook now holds:
        from here on the student counts as graded.
        """
        mode = 0o664 if self.coursedir.groupshared else 0o444
        with self.timed(FILES):
            for base, _, names in os.walk(self.autograded(student, assignment)):
                for name in names:
                    os.chmod(Path(base) / name, mode)
        timestamp = self.coursedir.get_existing_timestamp(str(self.submitted(student, assignment)))
        with (
            self.timed(GRADEBOOK),
            quiet_gradebook(),
            Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb,
        ):
            saved = _saved(gb, student, assignment, notebooks)
        if saved is None:
            raise RuntimeError(f"the gradebook has no submission of {assignment} by {student}")
        entry = Entry(State.GRADED, timestamp_text(timestamp), saved[1])
        with self.timed(LEDGER):
            self.ledger(assignment).set(student, entry)
        stop("committed")

    def abandon(self, student: str, assignment: str) -> None:
        """Remove a half-written autograded folder (nbgrader's ``_handle_failure``).

        The ledger says ``failed``: the next run grades the student again.
        """
        self.ledger(assignment).set(student, Entry(State.FAILED))
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.autograded(student, assignment))


def _saved(
    gb: Gradebook, student: str, assignment: str, notebooks: list[str]
) -> tuple[str | None, Scores] | None:
    """The gradebook's timestamp and automatic scores of a submission (None: none there)."""
    try:
        found = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    scores: Scores = {
        nb.name: {grade.name: grade.auto_score for grade in nb.grades}
        for nb in found.notebooks
        if nb.name in notebooks
    }
    return timestamp_text(found.timestamp), scores
