"""Phase 3, part 1: put the execution into the notebook and judge the graded cells.

A graded cell passes only if the grading kernel proved (with the notebook's
key) that the test code ran to its last statement, the cell raised nothing and
nothing the grader protects was changed while it ran. Otherwise an error output
saying why is added, so nbgrader's own rule (``utils.determine_grade``: any
error output scores 0) gives it 0. nbgrader's rule also gives 0 to a cell that
wrote to stderr; by default this grader does not, because that fails correct
answers that merely emit a warning (see ``docs/instructors.md``):
``stderr_fails=True`` restores nbgrader's rule.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from coursetools.grading.jobs import GRADED, ExecResult
from coursetools.grading.rebuild import Rebuilt

GRADER_ERROR = "GraderError"


@dataclass
class Judged:
    """The notebook to record, the copy nbgrader scores, and why cells failed."""

    recorded: NotebookNode
    scoring: NotebookNode
    reasons: dict[str, list[str]] = field(default_factory=dict)  # grade_id -> why it failed


def _error(reason: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=GRADER_ERROR,
        evalue=reason,
        traceback=[f"{GRADER_ERROR}: {reason}"],
    )


def merge(rebuilt: Rebuilt, result: ExecResult | None) -> NotebookNode:
    """The rebuilt notebook with each executed cell's outputs and count."""
    nb = copy.deepcopy(rebuilt.notebook)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        done = result.cells.get(index) if result else None
        if done is not None:
            cell.outputs = [nbformat.from_dict(copy.deepcopy(o)) for o in done.outputs]
            cell.execution_count = done.execution_count
        reason = None
        if result and index in result.skipped:
            reason = result.skipped[index]
        elif rebuilt.refused(index):
            reason = "this answer was not run because " + rebuilt.not_run[index]
        if reason and done is None:
            cell.outputs.append(_error(reason))
        elif reason:
            cell.outputs.insert(
                0, NotebookNode(output_type="stream", name="stdout", text=f"[grader] {reason}\n")
            )
    return nb


def _why_failed(index: int, result: ExecResult | None, unrun: str | None) -> list[str]:
    done = result.cells.get(index) if result else None
    if done is None:
        return [unrun or "this test was not run"]
    if done.failure:
        return [done.failure]
    verified = done.verified
    if verified is None:
        return ["the grading kernel gave no verified result for this test"]
    reasons = [str(v) for v in verified.get("violations") or []]
    if verified.get("status") != "ok":
        reasons.append("the test raised an error")
    elif verified.get("completed") is not True:
        reasons.append("the test did not run to its end")
    return reasons


def judge(
    nb: NotebookNode,
    rebuilt: Rebuilt,
    result: ExecResult | None,
    *,
    stderr_fails: bool,
    unrun: str | None = None,
) -> Judged:
    """Add an error output to every graded cell that did not pass; build the scoring copy.

    ``unrun`` says why nothing ran (an unreadable submission, a sandbox failure).
    """
    judged = Judged(nb, copy.deepcopy(nb))
    for plan in rebuilt.plan:
        if plan.role != GRADED:
            continue
        cell, scored = nb.cells[plan.index], judged.scoring.cells[plan.index]
        reasons = _why_failed(plan.index, result, unrun)
        has_error = any(o.output_type == "error" for o in cell.outputs)
        if reasons:
            judged.reasons[plan.label] = reasons
            grader_reasons = [
                r for r in reasons if r != "the test raised an error" or not has_error
            ]
            if grader_reasons or not has_error:
                for target in (cell, scored):
                    target.outputs.append(_error("; ".join(grader_reasons or reasons)))
        scored.outputs = [
            o
            for o in scored.outputs
            if o.output_type == "error"
            or (o.output_type == "stream" and o.name == "stderr" and (stderr_fails or reasons))
            or (
                o.output_type == "execute_result"
                and not reasons  # a final number is partial credit only for a cell that passed
                and isinstance(o.get("data", {}).get("text/plain"), str | list)
            )
        ]
    return judged
