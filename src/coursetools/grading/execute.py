"""Phase 2: execute one rebuilt notebook in a sandbox (a pure, picklable function).

:func:`execute_job` runs the planned cells in a fresh jailed kernel. A cell that
exceeds its time limit or kills the kernel (``os._exit``, a segfault, running
out of memory, a loop that ignores interrupts) ends that run at once: the
kernel and everything it started are killed, never interrupted. The notebook
is then run again from the start *without* the answer cell responsible (the
answer at or before the failing cell), which scores nothing; the other answers
get their honest chance. Re-runs stop when the notebook's time budget is spent;
cells not reached then fail with the reason.
"""

from __future__ import annotations

import time
from dataclasses import replace

from coursetools.grading import stops
from coursetools.grading.client import CellRun, KernelClient, KernelDied
from coursetools.grading.jobs import ANSWER, CellPlan, CellResult, ExecJob, ExecResult, refusal
from coursetools.grading.order import cannot_end
from coursetools.grading.outputs import Budget
from coursetools.grading.sandbox import launch
from coursetools.grading.sandbox.zygote_client import SandboxError


class _NoKernel(Exception):
    """The kernel never answered: a failure of the grading machine, not of the notebook."""


class _Stop(Exception):
    """A run ended at a cell: ``index`` and why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


def _as_result(cell: CellPlan, run: CellRun) -> CellResult:
    return CellResult(
        index=cell.index,
        outputs=run.outputs,
        execution_count=run.execution_count,
        status=(run.reply or {}).get("status"),
        verified=run.verified,
        notes=list(run.notes),
    )


def _run_once(
    job: ExecJob, cells: tuple[CellPlan, ...], deadline: float, result: ExecResult
) -> None:
    """One run from a fresh kernel; fills ``result.cells``; raises :class:`_Stop`."""
    limits = job.limits
    began = time.monotonic()
    sandbox = launch.start(job.files, job.folder, limits, job.forbidden, job.preload)
    began = result.spent("sandbox start", began)
    result.add("of which fork and jail", sandbox.spawn_seconds)
    result.mechanisms, result.warnings = sandbox.mechanisms, sandbox.warnings

    def watch() -> str | None:
        count = sandbox.processes()
        return f"it started too many processes ({count})" if count > limits.soft_processes else None

    client = KernelClient(
        sandbox.connection,
        sandbox.proof_key,
        sandbox.alive,
        limits.message_bytes,
        watch,
        sandbox.waited,
    )
    try:
        try:
            client.wait_ready(limits.startup_timeout)
        except KernelDied as exc:
            raise _NoKernel(f"the kernel did not start: {exc}") from exc
        began = result.spent("kernel start", began)
        stops.stop("executing")
        budget = Budget(limits.notebook_output_bytes)
        for cell in cells:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Stop(cell.index, "the notebook's time budget was used up before this cell")
            timeout = min(limits.cell_timeout, remaining)
            grader = {"role": cell.role}
            if cell.visible is not None:
                grader["visible"] = cell.visible
            try:
                patience = 1.0 if timeout < limits.cell_timeout else limits.starved_factor
                if cell.role == ANSWER and cannot_end(cell.source):
                    patience = 1.0
                run = client.run(
                    cell.source, grader, timeout, limits.cell_output_bytes, budget, patience
                )
            except KernelDied as exc:
                reason = str(exc) if sandbox.alive() else "the kernel stopped (it crashed or ended)"
                raise _Stop(cell.index, reason) from exc
            finally:
                began = result.spent(f"{cell.role} cells", began)
            if run.verified is not None:
                result.add("of which guard", run.verified["guard_seconds"])
                result.add("of which audit hook", run.verified["audit_seconds"])
            result.cells[cell.index] = _as_result(cell, run)
            if run.timed_out:
                raise _Stop(cell.index, _too_long(timeout, run.starved))
    finally:
        began = time.monotonic()
        client.close()
        sandbox.kill()
        result.spent("sandbox end", began)


def _too_long(timeout: float, starved: float) -> str:
    if starved < 0.5:
        return f"it ran longer than {timeout:.0f} s"
    return (
        f"it ran longer than {timeout:.0f} s, not counting {starved:.0f} s in which the "
        "busy machine kept it waiting"
    )


def _culprit(cells: tuple[CellPlan, ...], index: int, skipped: dict[int, str]) -> CellPlan | None:
    """The answer responsible for a failure at ``index``: the last one at or before it."""
    candidates = [
        c for c in cells if c.role == ANSWER and c.index <= index and c.index not in skipped
    ]
    return candidates[-1] if candidates else None


def execute_job(job: ExecJob) -> ExecResult:
    """Execute ``job``'s cells in sandboxed kernels; see the module docstring."""
    began = time.monotonic()
    deadline = began + job.limits.notebook_timeout
    result = ExecResult(key=job.key, started=time.time())
    while True:
        cells = tuple(
            replace(c, source=refusal(result.skipped[c.index])) if c.index in result.skipped else c
            for c in job.cells
        )
        result.cells = {}
        result.runs += 1
        try:
            _run_once(job, cells, deadline, result)
            break
        except (SandboxError, _NoKernel) as exc:
            result.error = f"the sandbox could not start: {exc}"
            break
        except _Stop as stop:
            culprit = _culprit(cells, stop.index, result.skipped)
            if culprit is None or time.monotonic() >= deadline:
                _give_up(result, cells, stop)
                break
            where = "in this answer" if culprit.index == stop.index else f"at {_label(cells, stop)}"
            result.skipped[culprit.index] = (
                f"the notebook stopped {where}: {stop.reason}; it was run again without this answer"
            )
    result.seconds = time.monotonic() - began
    return result


def _label(cells: tuple[CellPlan, ...], stop: _Stop) -> str:
    return next((c.label for c in cells if c.index == stop.index), "a later cell")


def _give_up(result: ExecResult, cells: tuple[CellPlan, ...], stop: _Stop) -> None:
    """No re-run left: the failing cell and every cell after it fail with the reason."""
    for cell in cells:
        if cell.index < stop.index:
            continue
        done = result.cells.get(cell.index)
        result.cells[cell.index] = CellResult(
            cell.index,
            outputs=done.outputs if done else [],
            execution_count=done.execution_count if done else None,
            failure=stop.reason if cell.index == stop.index else f"not run: {stop.reason}",
        )
