"""Class grading survives being killed on a process pool, on Dask, with PostgreSQL.

See ``test_resume.py`` for the thread pool, and :mod:`tests.grading.faults`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from coursetools.grading.stops import FILE, POINT

from .faults import (
    Outcome,
    command,
    copy_course,
    family,
    graded_copy,
    interrupt,
    run,
    running,
    submitted_class,
)
from .support import generate


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return submitted_class(tmp_path_factory.mktemp("resume"))


@pytest.fixture(scope="module")
def graded_once(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return graded_copy(template, tmp_path_factory.mktemp("uninterrupted"))


@pytest.fixture(scope="module")
def uninterrupted(graded_once: Path) -> Outcome:
    return Outcome.of(graded_once)


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("options", "points"),
    [
        (("--processes",), ("executing", "saved#1")),
        (("--dask", "local", "--processes"), ("written#1",)),
    ],
    ids=["processes", "dask"],
)
def test_other_pools_resume_too(
    template: Path,
    uninterrupted: Outcome,
    tmp_path: Path,
    options: tuple[str, ...],
    points: tuple[str, ...],
) -> None:
    """Killed with kernels running in the pool's processes, and while recording."""
    root = copy_course(template, tmp_path)
    for point in points:
        interrupt(root, point, signal.SIGKILL, *options)
    run(root, *options)
    assert Outcome.of(root) == uninterrupted


@pytest.mark.timeout(240)
def test_a_dask_worker_killed_mid_class_changes_no_grade(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    """Dask runs the killed worker's notebook again elsewhere; the run goes on."""
    root = copy_course(template, tmp_path)
    stopped = tmp_path / "stopped"
    env = {**os.environ, POINT: "executing", FILE: str(stopped)}
    grader = subprocess.Popen(
        command(root, "--dask", "local", "--processes"),
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
        started = family(worker)
        os.kill(worker, signal.SIGKILL)
        output, _ = grader.communicate(timeout=180)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()
    assert grader.returncode == 0, output
    assert running(started) == set()
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
    """Killed with a student's transaction open, then just after one committed, on a real
    server."""
    root = copy_course(template, tmp_path)
    generate(root, postgres_gradebook)  # the assignment, in that gradebook
    interrupt(root, "saved#2", signal.SIGKILL, "--db", postgres_gradebook)
    interrupt(root, "stored#1", signal.SIGKILL, "--db", postgres_gradebook)
    run(root, "--db", postgres_gradebook)
    assert Outcome.of(root, postgres_gradebook) == uninterrupted
