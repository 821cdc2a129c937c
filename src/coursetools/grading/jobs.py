"""What crosses from the main process to a grading worker and back.

Plain dataclasses of built-in values: picklable for a process pool and for
Dask, and independent of any shared file system.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from coursetools.grading.limits import Limits

ANSWER, TRUSTED, GRADED = "answer", "trusted", "graded"


@dataclass(frozen=True)
class CellPlan:
    """One code cell to run: its position, role and the code to send."""

    index: int
    role: str  # ANSWER (student code), TRUSTED (source cell) or GRADED (a test worth points)
    source: str
    visible: str | None = None  # a graded cell's source without its hidden tests
    label: str = ""  # grade_id or "cell N", for messages


@dataclass(frozen=True)
class ExecJob:
    """A notebook to execute, with everything the worker needs."""

    key: str  # "student/assignment/notebook"
    cells: tuple[CellPlan, ...]
    files: dict[str, bytes]  # the work folder's files
    folder: str  # the work folder's name (the assignment)
    limits: Limits
    forbidden: tuple[str, ...] = ()  # host paths that must not be exposed to the kernel
    preload: tuple[str, ...] = ()  # modules the zygote imports before forking


@dataclass
class CellResult:
    """What one cell produced in the run that counts."""

    index: int
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    status: str | None = None  # the reply's status, "ok" or "error"
    verified: dict[str, Any] | None = None  # a trusted cell's proven observations
    failure: str | None = None  # why this cell has no result (time-out, crash, not reached)
    notes: list[str] = field(default_factory=list)


@dataclass
class ExecResult:
    """A notebook's execution: per-cell results, answers not run and why."""

    key: str
    cells: dict[int, CellResult] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)  # answer index -> reason it was not run
    runs: int = 0
    seconds: float = 0.0
    started: float = 0.0  # time.time() when the worker began (a timeline across workers)
    error: str | None = None  # the notebook could not be executed at all (sandbox failure)
    mechanisms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase, every run

    def spent(self, phase: str, since: float) -> float:
        """Add the time from ``since`` (``time.monotonic()``) to ``phase``; returns now."""
        now = time.monotonic()
        self.add(phase, now - since)
        return now

    def add(self, phase: str, seconds: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + seconds


def refusal(reason: str) -> str:
    """The code run in place of an answer that is not run."""
    return f"raise RuntimeError({'The grader did not run this answer: ' + reason!r})"
