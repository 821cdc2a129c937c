"""Grade one notebook file against its source and report per ``grade_id`` as JSON.

For LMS hooks and CI: no course folder or gradebook is needed. The scores are
what the class command would record (nbgrader's ``determine_grade`` on the
judged notebook); failure messages are the tests' readable messages, with the
hidden tests' source lines redacted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbgrader import utils
from traitlets.config import Config

from coursetools.grading import rebuild, scoring
from coursetools.grading.execute import execute_job
from coursetools.grading.feedback import Redactor
from coursetools.grading.jobs import GRADED, ExecJob
from coursetools.grading.limits import Limits


@dataclass
class CellReport:
    grade_id: str
    score: float
    max_score: float
    passed: bool
    messages: list[str] = field(default_factory=list)


@dataclass
class NotebookResult:
    notebook: str
    score: float
    max_score: float
    cells: list[CellReport]
    not_run: dict[str, str]
    flagged: dict[str, list[str]]
    error: str | None
    isolation: dict[str, list[str]]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _messages(cell: Any, redactor: Redactor) -> list[str]:
    found = []
    for output in cell.outputs:
        if output.output_type == "error":
            lines = [str(line) for line in output.get("traceback", [])] or [
                f"{output.ename}: {output.evalue}"
            ]
            text = redactor.text(Redactor.plain("\n".join(lines)))
            found.append(text.strip() or output.ename)
    return found


def grade_notebook(
    submission: Path,
    source: Path,
    *,
    limits: Limits | None = None,
    stderr_fails: bool = False,
    use_screen: bool = True,
    files: dict[str, bytes] | None = None,
    config: Config | None = None,
) -> NotebookResult:
    """Execute ``submission`` rebuilt from ``source`` and score it."""
    generated = rebuild.generate(source, config or Config())
    data = submission.read_bytes() if submission.is_file() else None
    built = rebuild.rebuild(generated, data, use_screen=use_screen)
    result = None
    if built.unreadable is None:
        job = ExecJob(
            key=submission.name,
            cells=built.plan,
            files={**(files or {}), submission.name: data or b""},
            folder=source.stem,
            limits=limits or Limits(),
            forbidden=(str(source.parent.resolve()),),
        )
        result = execute_job(job)
    unrun = built.unreadable or (result.error if result else None)
    nb = scoring.merge(built, result)
    judged = scoring.judge(nb, built, result, stderr_fails=stderr_fails, unrun=unrun)
    redactor = Redactor.for_notebook(generated)
    cells = []
    for plan in built.plan:
        if plan.role != GRADED:
            continue
        score, max_score = utils.determine_grade(judged.scoring.cells[plan.index])
        cells.append(
            CellReport(
                grade_id=plan.label,
                score=float(score or 0.0),
                max_score=float(max_score),
                passed=plan.label not in judged.reasons,
                messages=_messages(judged.recorded.cells[plan.index], redactor),
            )
        )
    labels = {p.index: p.label for p in built.plan}
    not_run = {labels.get(i, str(i)): why for i, why in built.not_run.items()}
    if result is not None:
        not_run.update({labels.get(i, str(i)): why for i, why in result.skipped.items()})
    return NotebookResult(
        notebook=submission.name,
        score=sum(c.score for c in cells),
        max_score=sum(c.max_score for c in cells),
        cells=cells,
        not_run=not_run,
        flagged=built.flagged(),
        error=unrun,
        isolation={
            "mechanisms": list(result.mechanisms) if result else [],
            "warnings": list(result.warnings) if result else [],
        },
        seconds=result.seconds if result else 0.0,
    )
