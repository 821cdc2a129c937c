"""An answer that spins (``while True`` with no ``break``): what its neighbours get.

It runs last in line for the CPU, and the run without it starts alongside it:
taken as the re-run if it times out, dropped (with every process it started)
if it ends after all. The outcome is the plain order's either way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coursetools.grading.execute import execute_job
from coursetools.grading.jobs import ANSWER, CellPlan, ExecJob, ExecResult
from coursetools.grading.limits import GiB, Limits

LIMITS = Limits(cell_timeout=3.0, notebook_timeout=60.0, memory_bytes=2 * GiB)
PRIORITY = "print(ROLE, os.nice(0), open('/proc/self/autogroup').read().split()[-1])\n"
MARKER = "4343.125"  # a sleep the run alongside starts, found by its command line


def _execute(*sources: str) -> ExecResult:
    cells = tuple(
        CellPlan(i, ANSWER, source, label=f"cell {i}") for i, source in enumerate(sources)
    )
    return execute_job(ExecJob("spinning", cells, {}, "spinning", LIMITS))


def _stdout(result: ExecResult, index: int) -> str:
    outputs = result.cells[index].outputs
    return "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")


def _sleeping() -> list[str]:
    found = []
    for process in Path("/proc").iterdir():
        try:
            command = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if MARKER in command:
            found.append(command)
    return found


@pytest.mark.timeout(120)
@pytest.mark.skipif(
    not (os.name == "posix" and os.geteuid() == 0), reason="the priority is restored as root"
)
def test_it_runs_last_in_line_for_the_cpu_and_the_cells_after_it_do_not() -> None:
    spinning = "import os\nwhile True:\n    " + PRIORITY.replace("ROLE", "'spinning'")
    spinning += "    raise RuntimeError('it ends after all')\n"
    result = _execute(spinning, "import os\n" + PRIORITY.replace("ROLE", "'after'"))
    assert (_stdout(result, 0), _stdout(result, 1)) == ("spinning 19 19\n", "after 0 0\n")


@pytest.mark.timeout(120)
def test_when_it_times_out_the_run_without_it_is_the_rerun() -> None:
    result = _execute("total = 1", "while True:\n    pass", "print('after', total)")
    assert result.runs == 2
    assert result.skipped == {
        1: "the notebook stopped in this answer: it ran longer than 3 s; "
        "it was run again without this answer"
    }
    assert _stdout(result, 2) == "after 1\n"
    assert result.cells[1].status == "error"  # the refusal, raised in its place


@pytest.mark.timeout(120)
def test_when_it_ends_after_all_the_run_alongside_is_dropped_with_its_processes() -> None:
    spinning = (
        "import time\nwhile True:\n    time.sleep(1.5)\n    ended = True\n    raise RuntimeError"
    )
    after = (  # only the run alongside, where the spinning answer never ran, starts a process
        "import subprocess, time\nif 'ended' not in globals():\n"
        f"    subprocess.Popen(['sleep', '{MARKER}'])\n    time.sleep(2.5)\nprint('after')"
    )
    result = _execute(spinning, after)
    assert result.runs == 1 and result.skipped == {}
    assert result.cells[0].status == "error" and _stdout(result, 1) == "after\n"
    assert not _sleeping()
