"""Class grading survives being killed: no student is lost or graded twice.

The real command runs in its own process group and stops at one of the named
points of :mod:`coursetools.grading.stops`; the test then kills the whole group
(SIGKILL as an out-of-memory kill or a lost session does, SIGINT as Ctrl-C
does), checks that nothing it started is still running, and runs the same
command again. The gradebook and ``autograded/`` must then equal an
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
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coursetools.grading import course as courses
from coursetools.grading.ledger import FOLDER, Busy, Why, exclusive
from coursetools.grading.record import Recorder
from coursetools.grading.stops import FILE, POINT

from . import demo
from .support import generate, gradebook_rows, make_course

STUDENTS = ("ada", "bob", "cy")
STAMP = "2026-03-01 10:00:00.000000 UTC"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A submitted class of three, not graded yet: an honest, a wrong and a partial answer."""
    course = make_course(tmp_path_factory.mktemp("resume") / "course")
    course.submit("ada", course.solved)
    course.answer("bob", year="def check_year(year):\n    return year")
    course.answer("cy", total="def total(numbers):\n    return 0")
    for student in STUDENTS:
        (course.folder(student) / "timestamp.txt").write_text(STAMP)
    return course.root


def _copy(template: Path, into: Path) -> Path:
    return Path(shutil.copytree(template, into / "course"))


@dataclass(frozen=True)
class Outcome:
    """What a class run leaves that an instructor reads: gradebook rows and files."""

    gradebook: dict[str, Any]
    files: dict[str, bytes]

    @classmethod
    def of(cls, root: Path, db_url: str | None = None) -> Outcome:
        folder = root / "autograded"
        files = {
            str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        return cls(gradebook_rows(root, demo.ASSIGNMENT, db_url), files)


def _command(root: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "coursetools.grading", "class", demo.ASSIGNMENT,
            "--course", str(root), "--quiet", "--jobs", "2", *options]  # fmt: skip


def _run(root: Path, *options: str) -> str:
    done = subprocess.run(_command(root, *options), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def graded_once(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(template, tmp_path_factory.mktemp("uninterrupted"))
    _run(root)
    return root


@pytest.fixture(scope="module")
def uninterrupted(graded_once: Path) -> Outcome:
    outcome = Outcome.of(graded_once)
    assert set(outcome.gradebook) == set(STUDENTS)
    return outcome


def _family(pid: int) -> set[int]:
    """``pid`` and every process descended from it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (parent := _parent(int(entry))) is not None:
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        found.add(current := todo.pop())
        todo += children.get(current, [])
    return found


def _parent(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[1])  # a zombie has stopped running


def _running(pids: set[int], within: float = 10.0) -> set[int]:
    deadline = time.monotonic() + within
    while (alive := {pid for pid in pids if _parent(pid) is not None}) and (
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
            _command(root, *options), env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        while not stopped.exists():
            assert grader.poll() is None, f"it never reached {point}:\n{log.read_text()}"
            time.sleep(0.05)
        family = _family(grader.pid)
        os.killpg(grader.pid, sig)
        grader.wait(60)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()
    assert _running(family) == set(), "processes outlived the kill"


def _resumed(stdout: str) -> list[str]:
    prefix = "an earlier run stopped while recording, graded again: "
    lines = [line for line in stdout.splitlines() if line.startswith(prefix)]
    return lines[0][len(prefix) :].split(", ") if lines else []


def _recording(root: Path) -> set[str]:
    """Students the ledger says a run began recording and never finished."""
    data = json.loads((root / FOLDER / f"{demo.ASSIGNMENT}.json").read_text())
    return {s for s, entry in data["students"].items() if entry["state"] == "recording"}


# The thread pool is killed at each point in turn, every run resuming the last:
# (point, whether the kill leaves a student half-recorded). "#2" is the second
# passage in that run; by then the first student is completely recorded.
THREAD_POINTS = [
    ("executed#2", False),  # one student recorded, the others' results in but not recorded
    ("begun#1", True),  # a submission row and its files, no notebook
    ("saved#1", True),  # grades saved, no autograded notebook
    ("written#1", True),  # the autograded notebook too (issue 19's lost student), no ledger
    ("committed#1", False),  # one more complete
]


@pytest.mark.timeout(300)
def test_a_run_killed_at_every_point_in_turn_ends_as_an_uninterrupted_one(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    root = _copy(template, tmp_path)
    for point, half_recorded in THREAD_POINTS:
        interrupt(root, point, signal.SIGKILL)
        assert _recording(root) or not half_recorded, f"{point} left nobody half-recorded"
    left = _recording(root)
    stdout = _run(root)
    assert set(_resumed(stdout)) == left, stdout
    assert Outcome.of(root) == uninterrupted


@pytest.mark.timeout(180)
def test_ctrl_c_while_recording_loses_nothing(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    root = _copy(template, tmp_path)
    interrupt(root, "saved#2", signal.SIGINT)
    assert "run the same command again" in (tmp_path / "interrupted.log").read_text()
    plan = _run(root, "--dry-run")
    assert plan.count("would grade") == 2 and plan.count("would skip") == 1, plan
    assert Why.INTERRUPTED.value in plan and Why.NEW.value in plan
    assert Outcome.of(root) != uninterrupted  # a dry run grades no one
    assert len(_resumed(_run(root))) == 1
    assert Outcome.of(root) == uninterrupted
    assert _run(root, "--dry-run").count("would skip") == len(STUDENTS)


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("point", "options"),
    [
        ("saved#2", ("--processes",)),
        ("executing", ("--processes",)),
        ("written#1", ("--dask", "local", "--processes")),
    ],
    ids=["processes-saved", "processes-executing", "dask-written"],
)
def test_other_pools_resume_too(
    template: Path,
    uninterrupted: Outcome,
    tmp_path: Path,
    point: str,
    options: tuple[str, ...],
) -> None:
    root = _copy(template, tmp_path)
    interrupt(root, point, signal.SIGKILL, *options)
    _run(root, *options)
    assert Outcome.of(root) == uninterrupted


@pytest.mark.timeout(240)
def test_a_dask_worker_killed_mid_class_changes_no_grade(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    """Dask runs the killed worker's notebook again elsewhere; the run goes on."""
    root = _copy(template, tmp_path)
    stopped = tmp_path / "stopped"
    env = {**os.environ, POINT: "executing", FILE: str(stopped)}
    grader = subprocess.Popen(
        _command(root, "--dask", "local", "--processes"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        while not stopped.exists() and grader.poll() is None:
            time.sleep(0.05)
        worker = int(stopped.read_text())
        assert worker != grader.pid
        family = _family(worker)
        os.kill(worker, signal.SIGKILL)
        output, _ = grader.communicate(timeout=180)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()
    assert grader.returncode == 0, output
    assert _running(family) == set()
    assert Outcome.of(root) == uninterrupted


@pytest.fixture
def postgres_gradebook(postgres_base_url: str) -> str:
    """A new database on the test server, as the sync (psycopg) URL nbgrader's gradebook needs."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(postgres_base_url)
    name = f"gradebook_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.username,
        dbname=server.database,
        autocommit=True,
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = server.set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


@pytest.mark.timeout(240)
def test_a_gradebook_on_postgresql_resumes_too(
    template: Path, uninterrupted: Outcome, tmp_path: Path, postgres_gradebook: str
) -> None:
    """Killed with a transaction of nbgrader's open or just committed, on a real server."""
    root = _copy(template, tmp_path)
    generate(root, postgres_gradebook)  # the assignment, in that gradebook
    interrupt(root, "saved#2", signal.SIGKILL, "--db", postgres_gradebook)
    _run(root, "--db", postgres_gradebook)
    assert Outcome.of(root, postgres_gradebook) == uninterrupted


# -- who counts as graded, decided without running anything ----------------------------------


@pytest.fixture
def graded(graded_once: Path, tmp_path: Path) -> Path:
    """A copy of the class after an uninterrupted run."""
    return _copy(graded_once, tmp_path)


def _why(root: Path) -> dict[str, Why]:
    coursedir, config = courses.load(root)
    recorder = Recorder(coursedir, config, force=False)
    return recorder.statuses(list(STUDENTS), demo.ASSIGNMENT, [demo.ASSIGNMENT])


@pytest.mark.timeout(120)
def test_only_the_gradebook_and_the_ledger_together_mean_graded(graded: Path) -> None:
    assert set(_why(graded).values()) == {Why.GRADED}
    (graded / "submitted" / "bob" / demo.ASSIGNMENT / "timestamp.txt").write_text(
        "2026-03-02 10:00:00.000000 UTC"
    )
    (graded / "autograded" / "cy" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb").unlink()
    assert _why(graded) == {"ada": Why.GRADED, "bob": Why.RESUBMITTED, "cy": Why.AUTOGRADED}
    ledger = graded / FOLDER / f"{demo.ASSIGNMENT}.json"
    kept = ledger.read_bytes()
    ledger.unlink()  # as after `nbgrader autograde`, which keeps no ledger
    assert set(_why(graded).values()) == {Why.UNLEDGERED}
    ledger.write_bytes(kept)
    (graded / "gradebook.db").unlink()  # a gradebook that never saw these grades
    generate(graded)
    assert _why(graded) == {"ada": Why.GRADEBOOK, "bob": Why.RESUBMITTED, "cy": Why.GRADEBOOK}


@pytest.mark.timeout(60)
def test_two_runs_never_grade_one_assignment_at_once(tmp_path: Path) -> None:
    with (
        exclusive(tmp_path, demo.ASSIGNMENT),
        pytest.raises(Busy, match="another run"),
        exclusive(tmp_path, demo.ASSIGNMENT),
    ):
        pass
    with exclusive(tmp_path, demo.ASSIGNMENT):  # released when the run ends
        pass
