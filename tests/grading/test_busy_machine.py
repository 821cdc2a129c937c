"""A busy machine costs an honest cell no marks; a stuck cell still ends.

The cell limit charges a cell the wall time its kernel was not kept waiting for
a CPU (the run-queue delay in ``/proc/<pid>/task/<tid>/schedstat``). Here CPU
hogs share the one CPU the cell pins itself to: a cell needing less CPU than
its limit, but more wall time, passes; pure wall-clock timing (a patience of 1,
what nbgrader does) fails the same cell, so the load is real. A sleeping cell
is not starved and ends at its limit; a busy loop ends at the cap.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursetools.grading.client import Starvation
from coursetools.grading.execute import execute_job
from coursetools.grading.jobs import ANSWER, CellPlan, ExecJob, ExecResult
from coursetools.grading.limits import Limits
from coursetools.grading.sandbox.launch import Sandbox

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/schedstat").is_file(), reason="needs Linux's /proc/<pid>/schedstat"
)

PINNED = "import os, time\nos.sched_setaffinity(0, {0})\n"
WORK = PINNED + (
    "began = time.monotonic()\n"
    "end = time.process_time() + 1.6\nwhile time.process_time() < end:\n    pass\n"
    "print('done in', time.monotonic() - began)"
)
LIMITS = Limits(cell_timeout=2.5, starved_factor=4.0, notebook_timeout=60.0)


@pytest.fixture
def hogs() -> Iterator[None]:
    """Two busy processes on CPU 0, ended with the test."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", "import os\nos.sched_setaffinity(0, {0})\nwhile True: pass"]
        )
        for _ in range(2)
    ]
    time.sleep(0.3)
    try:
        yield
    finally:
        for process in started:
            process.kill()
            process.wait()


def _run(source: str, limits: Limits) -> tuple[ExecResult, float]:
    began = time.monotonic()
    result = execute_job(ExecJob("busy", (CellPlan(0, ANSWER, source),), {}, "busy", limits))
    return result, time.monotonic() - began


def _printed(result: ExecResult) -> str:
    return "".join(str(o.get("text", "")) for c in result.cells.values() for o in c.outputs)


@pytest.mark.timeout(120)
def test_an_honest_cell_slowed_by_other_load_is_not_timed_out(hogs: None) -> None:
    result, _ = _run(WORK, LIMITS)
    assert result.error is None
    assert result.skipped == {}, result.skipped
    assert "done" in _printed(result)


@pytest.mark.timeout(120)
def test_wall_clock_alone_would_have_timed_it_out(hogs: None) -> None:
    result, _ = _run(WORK, Limits(cell_timeout=2.5, starved_factor=1.0, notebook_timeout=60.0))
    if not result.skipped:  # it ended: by its own clock, was it slowed past the limit?
        took = float(_printed(result).split()[-1])
        if took < 2.5:
            pytest.skip(f"the hogs did not slow the cell on this machine ({took:.1f} s)")
    (reason,) = result.skipped.values()
    assert "ran longer than 2 s" in reason


@pytest.mark.timeout(120)
def test_a_sleeping_cell_is_not_starved_and_ends_at_its_limit(hogs: None) -> None:
    result, seconds = _run("import time\ntime.sleep(30)", LIMITS)
    (reason,) = result.skipped.values()
    assert "ran longer than 2 s" in reason and "busy machine" not in reason
    assert seconds < 20


@pytest.mark.timeout(120)
def test_a_busy_loop_on_a_busy_machine_ends_by_the_cap(hogs: None) -> None:
    loop = PINNED + "n = 0\nwhile n >= 0:\n    n += 1"
    result, seconds = _run(loop, LIMITS)
    (reason,) = result.skipped.values()
    assert "ran longer than 2 s" in reason
    assert seconds < LIMITS.cell_timeout * LIMITS.starved_factor + 15


@pytest.mark.timeout(120)
def test_a_loop_that_cannot_end_gets_no_allowance(hogs: None) -> None:
    result, seconds = _run(PINNED + "while True:\n    pass", LIMITS)
    (reason,) = result.skipped.values()
    assert "ran longer than 2 s" in reason and "busy machine" not in reason
    assert seconds < LIMITS.cell_timeout * LIMITS.starved_factor


def test_starvation_adds_up_the_waits_of_every_task_even_one_that_ended() -> None:
    samples = iter(
        [
            {1: 5_000_000_000, 2: 0},  # before the cell
            {1: 5_500_000_000, 2: 1_000_000_000, 3: 200_000_000},
            {1: 6_000_000_000, 3: 2_500_000_000},  # task 2 ended, task 3 is new
        ]
    )
    starvation = Starvation(lambda: next(samples))
    assert starvation.seconds() == pytest.approx(0.5 + 1.0 + 0.2)
    assert starvation.seconds() == pytest.approx(1.0 + 1.0 + 2.5)


def test_the_kernels_tasks_are_sampled_and_its_childrens() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        sampled = Sandbox.waited(_Fake(os.getpid()))  # type: ignore[arg-type]  # a stand-in holding only what waited() reads
    finally:
        child.kill()
        child.wait()
    assert {os.getpid(), child.pid} <= set(sampled)


class _Fake:
    """A sandbox without a private uid whose kernel is this process."""

    _kernel_pids = Sandbox._kernel_pids

    def __init__(self, pid: int) -> None:
        self._pid, self._uid = pid, 0
