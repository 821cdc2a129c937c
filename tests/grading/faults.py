"""Fault tests' tools: a small class, the real command run and killed, what it leaves.

The real command runs in its own process group and stops at one of the named
points of :mod:`coursetools.grading.stops`; :func:`interrupt` then kills the
whole group (SIGKILL as an out-of-memory kill or a lost session does, SIGINT
as Ctrl-C does) and checks that nothing it started is still running. The
tests run the same command again and compare the :class:`Outcome` with an
uninterrupted run's, byte for byte where they are files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursetools.grading.ledger import FOLDER
from coursetools.grading.stops import FILE, POINT

from . import demo
from .support import gradebook_rows, make_course

STUDENTS = ("ada", "bob", "cy")
STAMP = "2026-03-01 10:00:00.000000 UTC"


def submitted_class(folder: Path) -> Path:
    """A submitted class of three, not graded yet: an honest, a wrong and a partial answer."""
    course = make_course(folder / "course")
    course.submit("ada", course.solved)
    course.answer("bob", year="def check_year(year):\n    return year")
    course.answer("cy", total="def total(numbers):\n    return 0")
    for student in STUDENTS:
        (course.folder(student) / "timestamp.txt").write_text(STAMP)
    return course.root


def copy_course(template: Path, into: Path) -> Path:
    return Path(shutil.copytree(template, into / "course"))


@dataclass(frozen=True)
class Outcome:
    """What a class run leaves that an instructor reads: gradebook rows and files."""

    gradebook: dict[str, Any]
    files: dict[str, tuple[bytes, int]]  # autograded/ path -> contents, permissions

    @classmethod
    def of(cls, root: Path, db_url: str | None = None) -> Outcome:
        folder = root / "autograded"
        files = {
            str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mode & 0o777)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        return cls(gradebook_rows(root, demo.ASSIGNMENT, db_url), files)


def command(root: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "coursetools.grading", "class", demo.ASSIGNMENT,
            "--course", str(root), "--quiet", "--jobs", "2", *options]  # fmt: skip


def run(root: Path, *options: str) -> str:
    done = subprocess.run(command(root, *options), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def graded_copy(template: Path, into: Path) -> Path:
    """A copy of ``template`` after an uninterrupted run."""
    root = copy_course(template, into)
    run(root)
    assert set(gradebook_rows(root, demo.ASSIGNMENT)) == set(STUDENTS)
    return root


def family(pid: int) -> set[int]:
    """``pid`` and every process descended from it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (parent := parent_of(int(entry))) is not None:
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        found.add(current := todo.pop())
        todo += children.get(current, [])
    return found


def parent_of(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[1])  # a zombie has stopped running


def running(pids: set[int], within: float = 10.0) -> set[int]:
    deadline = time.monotonic() + within
    while (alive := {pid for pid in pids if parent_of(pid) is not None}) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    return alive


def interrupt(root: Path, point: str, sig: signal.Signals, *options: str) -> None:
    """Run the command until it stops at ``point``, then kill its whole process group."""
    stopped = root.parent / "stopped"
    stopped.unlink(missing_ok=True)
    env = {**os.environ, POINT: point, FILE: str(stopped)}
    log = root.parent / "interrupted.log"
    with log.open("w") as out:
        grader = subprocess.Popen(
            command(root, *options), env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        while not stopped.exists():
            assert grader.poll() is None, f"it never reached {point}:\n{log.read_text()}"
            time.sleep(0.05)
        started = family(grader.pid)
        os.killpg(grader.pid, sig)
        grader.wait(60)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()
    assert running(started) == set(), "processes outlived the kill"


def resumed(stdout: str) -> list[str]:
    prefix = "an earlier run stopped while recording, graded again: "
    lines = [line for line in stdout.splitlines() if line.startswith(prefix)]
    return lines[0][len(prefix) :].split(", ") if lines else []


def recording(root: Path) -> set[str]:
    """Students the ledger says a run began recording and never finished."""
    data = json.loads((root / FOLDER / f"{demo.ASSIGNMENT}.json").read_text())
    return {s for s, entry in data["students"].items() if entry["state"] == "recording"}
