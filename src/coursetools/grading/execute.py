"""Phase 2: execute one rebuilt notebook in a sandbox (a pure, picklable function).

:func:`execute_job` runs the planned cells in a fresh jailed kernel. A cell that
exceeds its time limit or kills the kernel (``os._exit``, a segfault, running
out of memory, a loop that ignores interrupts) ends that run at once: the
kernel and everything it started are killed, never interrupted. The notebook
is then run again from the start *without* the answer cell responsible (the
answer at or before the failing cell), which scores nothing; the other answers
get their honest chance. Re-runs stop when the notebook's time budget is spent;
cells not reached then fail with the reason.

An answer that spins (:func:`~coursetools.grading.order.how_it_ends`: it can end
only by an error, in practice by its time-out) runs at the lowest CPU priority, and
the run without it starts as it starts, alongside: if it does time out, that
run is the re-run, already under way; if it ends after all, that run is
dropped. Either way the outcome is the one the plain order would give.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace

from coursetools.grading import stops
from coursetools.grading.client import CellRun, KernelClient, KernelDied
from coursetools.grading.jobs import ANSWER, CellPlan, CellResult, ExecJob, ExecResult, refusal
from coursetools.grading.order import SPINS, how_it_ends
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


class _Run:
    """One run of the notebook from a fresh kernel, with the answers in ``skipped`` not run."""

    def __init__(self, job: ExecJob, skipped: dict[int, str], deadline: float) -> None:
        self.job, self.skipped, self.deadline = job, skipped, deadline
        self.result = ExecResult(key=job.key)  # this run's cells and phases
        self.stop: _Stop | None = None
        self.error: str | None = None  # the sandbox could not start
        self.ahead: _Run | None = None  # the run without a spinning answer, alongside
        self._cancelled = threading.Event()
        self._lock = threading.Lock()  # what cancel() reads, against this run's own thread
        self._sandbox: launch.Sandbox | None = None
        self._thread: threading.Thread | None = None

    def run(self) -> _Run:
        cells = tuple(
            replace(c, source=refusal(self.skipped[c.index])) if c.index in self.skipped else c
            for c in self.job.cells
        )
        try:
            self._run_once(cells)
        except (SandboxError, _NoKernel) as exc:
            self.error = f"the sandbox could not start: {exc}"
        except _Stop as stop:
            self.stop = stop
        return self

    def start(self) -> None:
        """Run in a thread of its own (see :meth:`joined` and :meth:`cancel`)."""
        self._thread = threading.Thread(target=self.run, name=f"ahead {self.job.key}", daemon=True)
        self._thread.start()

    def joined(self) -> _Run:
        assert self._thread is not None
        self._thread.join()
        return self

    def cancel(self) -> None:
        """End this run (and any run it started alongside) at once; wait for its thread."""
        with self._lock:  # the run's own thread releases its sandbox (and uid) under it
            self._cancelled.set()
            ahead = self.ahead
            if self._sandbox is not None:
                self._sandbox.end_processes()
        if ahead is not None:
            ahead.cancel()
        if self._thread is not None:
            self._thread.join()

    def _spinning(self, cell: CellPlan, timeout: float) -> None:
        """``cell`` spins: start the re-run that its time-out would cause, now."""
        with self._lock:
            if self.ahead is not None or self._cancelled.is_set():
                return
            reason = _rerun_reason(cell, cell.index, _too_long(timeout, 0.0), self.job.cells)
            self.ahead = _Run(self.job, {**self.skipped, cell.index: reason}, self.deadline)
            self.ahead.start()

    def _run_once(self, cells: tuple[CellPlan, ...]) -> None:
        """One run from a fresh kernel; fills ``result.cells``; raises :class:`_Stop`."""
        job, result, limits = self.job, self.result, self.job.limits
        began = time.monotonic()
        sandbox = launch.start(job.files, job.folder, limits, job.forbidden, job.preload)
        with self._lock:
            self._sandbox = sandbox
        began = result.spent("sandbox start", began)
        result.add("of which fork and jail", sandbox.spawn_seconds)
        result.mechanisms, result.warnings = sandbox.mechanisms, sandbox.warnings

        def watch() -> str | None:
            count = sandbox.processes()
            if count > limits.soft_processes:
                return f"it started too many processes ({count})"
            return None

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
                if self._cancelled.is_set():
                    raise _Stop(cell.index, "this run was dropped")
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    raise _Stop(
                        cell.index, "the notebook's time budget was used up before this cell"
                    )
                timeout = min(limits.cell_timeout, remaining)
                grader = {"role": cell.role}
                if cell.visible is not None:
                    grader["visible"] = cell.visible
                ending = how_it_ends(cell.source) if cell.role == ANSWER else None
                spinning = ending == SPINS
                patience = limits.starved_factor
                if ending is not None or timeout < limits.cell_timeout:
                    patience = 1.0  # no allowance for a busy machine
                if spinning:
                    self._spinning(cell, timeout)
                try:
                    with sandbox.lowered_priority() if spinning else contextlib.nullcontext():
                        run = client.run(
                            cell.source, grader, timeout, limits.cell_output_bytes, budget, patience
                        )
                except KernelDied as exc:
                    alive = sandbox.alive()
                    reason = str(exc) if alive else "the kernel stopped (it crashed or ended)"
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
            with self._lock:
                self._sandbox = None
            client.close()
            sandbox.kill()
            result.spent("sandbox end", began)


def _as_result(cell: CellPlan, run: CellRun) -> CellResult:
    return CellResult(
        index=cell.index,
        outputs=run.outputs,
        execution_count=run.execution_count,
        status=(run.reply or {}).get("status"),
        verified=run.verified,
        notes=list(run.notes),
    )


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


def _rerun_reason(culprit: CellPlan, index: int, reason: str, cells: tuple[CellPlan, ...]) -> str:
    where = "in this answer" if culprit.index == index else f"at {_label(cells, index)}"
    return f"the notebook stopped {where}: {reason}; it was run again without this answer"


def execute_job(job: ExecJob) -> ExecResult:
    """Execute ``job``'s cells in sandboxed kernels; see the module docstring."""
    began = time.monotonic()
    deadline = began + job.limits.notebook_timeout
    result = ExecResult(key=job.key, started=time.time())
    run = _Run(job, {}, deadline).run()
    while True:
        result.runs += 1
        result.cells, result.skipped = run.result.cells, run.skipped
        if run.result.mechanisms:  # the run's sandbox started
            result.mechanisms, result.warnings = run.result.mechanisms, run.result.warnings
        for phase, seconds in run.result.phases.items():
            result.add(phase, seconds)
        stop, ahead = run.stop, run.ahead
        if run.error is not None or stop is None:
            result.error = run.error
            break
        culprit = _culprit(job.cells, stop.index, run.skipped)
        if culprit is None or time.monotonic() >= deadline:
            _give_up(result, job.cells, stop)
            break
        skipped = {
            **run.skipped,
            culprit.index: _rerun_reason(culprit, stop.index, stop.reason, job.cells),
        }
        if ahead is not None and ahead.skipped == skipped:
            run = ahead.joined()
            continue
        if ahead is not None:
            ahead.cancel()
        run = _Run(job, skipped, deadline).run()
    if run.ahead is not None:
        run.ahead.cancel()
    result.seconds = time.monotonic() - began
    return result


def _label(cells: tuple[CellPlan, ...], index: int) -> str:
    return next((c.label for c in cells if c.index == index), "a later cell")


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
