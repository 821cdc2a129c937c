"""Who is graded: a ledger of finished recordings, checked against the gradebook.

Recording a student takes several gradebook commits and file writes, and a
kill can stop it between any two. So the ledger says ``recording`` before the
first write and ``graded`` (with the submission's timestamp and the automatic
scores saved) after the last, each time by atomically replacing one JSON file
per assignment. A student counts as graded only when the ledger says so *and*
the gradebook still holds that submission with those scores: files alone,
``autograded/`` included, never decide it.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from coursetools.grading.course import CourseError

Scores = dict[str, dict[str, float | None]]  # notebook -> grade_id -> automatic score

FOLDER = ".grading-ledger"  # under the course root, out of every kernel's sight


class State(enum.Enum):
    RECORDING = "recording"  # begun; a run that finds this was interrupted
    FAILED = "failed"  # recording raised; the run said so
    GRADED = "graded"


class Why(enum.Enum):
    """Why a student is graded in this run, or skipped."""

    NEW = "not graded yet"
    UNLEDGERED = (
        "in the gradebook, but no finished grading by this grader is on record "
        "(graded by nbgrader autograde, or interrupted)"
    )
    INTERRUPTED = "an earlier run was interrupted while recording this student"
    FAILED = "recording failed in an earlier run"
    RESUBMITTED = "submitted again since graded"
    GRADEBOOK = "the gradebook no longer holds the grades recorded"
    AUTOGRADED = "autograded/ no longer holds the notebooks recorded"
    FORCED = "--force"
    GRADED = "already graded"

    @property
    def grade(self) -> bool:
        return self is not Why.GRADED

    @property
    def resumed(self) -> bool:
        """A run stopped half-way through this student: worth telling the instructor."""
        return self in (Why.INTERRUPTED, Why.FAILED)


@dataclass(frozen=True)
class Entry:
    state: State
    timestamp: str | None = None  # the submission's timestamp.txt, ISO format, when graded
    scores: Scores = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "state": self.state.value}


def timestamp_text(value: datetime | None) -> str | None:
    """One spelling for nbgrader's naive UTC datetimes (or None)."""
    return None if value is None else value.isoformat()


class Ledger:
    """One assignment's ledger file: every change is written before it counts."""

    def __init__(self, root: Path, assignment: str) -> None:
        self.path = Path(root, FOLDER, f"{assignment}.json")
        self.assignment = assignment
        self.entries: dict[str, Entry] = {}
        if not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = {
                student: Entry(State(raw["state"]), raw.get("timestamp"), raw.get("scores", {}))
                for student, raw in data["students"].items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CourseError(
                f"{self.path} is not a ledger this grader wrote ({type(exc).__name__}: {exc}); "
                "delete it to grade every student again"
            ) from exc

    def get(self, student: str) -> Entry | None:
        return self.entries.get(student)

    def set(self, student: str, entry: Entry) -> None:
        self.entries[student] = entry
        self._save()

    def _save(self) -> None:
        """Write a new file beside the old one, then replace it: all or nothing."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "assignment": self.assignment,
            "students": {s: e.to_json() for s, e in sorted(self.entries.items())},
        }
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.assignment}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


class Busy(CourseError):
    """Another run is grading this assignment of this course."""


@contextmanager
def exclusive(root: Path, assignment: str) -> Iterator[None]:
    """Hold the assignment's lock for a run; the kernel drops it if the process dies."""
    folder = Path(root, FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{assignment}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Busy(f"another run is grading {assignment} in {root}") from exc
        for left in folder.glob(f".{assignment}.*.tmp"):  # a run killed while saving
            left.unlink()
        yield
