"""Phase 1: rebuild the notebook to execute from the source and the student's answers.

The notebook that runs is the *source* notebook as nbgrader generates it (hidden
tests included, solutions replaced by their stubs), with each solution cell's
source replaced by the student's answer for the same ``grade_id`` (first
occurrence, same cell type). Everything else in the submission is ignored:
deleted, duplicated, reordered or edited test cells, changed cell types,
points or lock flags, renamed ``grade_id`` s and extra cells cannot change what
runs or what counts. A submission that is not a readable notebook is reported,
not raised.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    IncludeHeaderFooter,
    LockCells,
)
from traitlets.config import Config

from coursetools.grading import screen
from coursetools.grading.jobs import ANSWER, GRADED, TRUSTED, CellPlan, refusal

MAX_SUBMISSION_BYTES = 20 << 20
AUTOTEST = "AUTOTEST"


@dataclass(frozen=True)
class Answer:
    cell_type: str
    source: str


@dataclass
class Rebuilt:
    """The notebook to record (answers shown as submitted) and the cells to run."""

    notebook: NotebookNode
    plan: tuple[CellPlan, ...]
    not_run: dict[int, str] = field(default_factory=dict)  # answer index -> why it is not run
    unreadable: str | None = None
    screened: dict[int, screen.Verdict] = field(default_factory=dict)  # answers with findings
    screen_seconds: float = 0.0  # of the rebuild, the time the screen took

    def refused(self, index: int) -> bool:
        """Whether the screen refused to run the answer at ``index``."""
        return index in self.screened and not self.screened[index].allowed

    def flags(self, index: int) -> tuple[screen.Finding, ...]:
        """What the screen noticed in the answer at ``index`` and let run."""
        return self.screened[index].flags if index in self.screened else ()

    def flagged(self) -> dict[str, list[str]]:
        """``{answer grade_id: what to review}`` for every answer the screen flagged."""
        labels = {plan.index: plan.label for plan in self.plan}
        return {
            labels.get(i, str(i)): screen.summary(self.flags(i))
            for i in self.screened
            if self.flags(i)
        }


def _quiet_read(text: str) -> NotebookNode:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb: NotebookNode = nbformat.reads(text, as_version=4)
        return nb


def generate(source: Path, config: Config) -> NotebookNode:
    """The source notebook as nbgrader's generate_assignment makes it, hidden tests kept."""
    nb = _quiet_read(source.read_text(encoding="utf-8"))
    if any(AUTOTEST in cell.source for cell in nb.cells if cell.cell_type == "code"):
        raise ValueError(f"{source}: AUTOTEST cells need the gradebook's copy of the tests")
    resources: dict[str, Any] = {
        "metadata": {"path": str(source.parent)},
        "nbgrader": {"notebook": source.stem},
    }
    steps = (
        IncludeHeaderFooter,
        LockCells,
        ClearSolutions,
        ClearOutput,
        CheckCellMetadata,
        ComputeChecksums,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in steps:
            nb, resources = step(config=config).preprocess(nb, resources)
    return nb


def visible_source(cell: NotebookNode) -> str | None:
    """A test cell's source without its hidden tests (None if it has none)."""
    if ClearHiddenTests().begin_test_delimeter not in cell.source:
        return None
    clone = copy.deepcopy(cell)
    ClearHiddenTests()._remove_hidden_test_region(clone)
    return str(clone.source)


def read_answers(data: bytes | None) -> tuple[dict[str, Answer], str | None]:
    """``{grade_id: answer}`` from a submission's bytes, or the reason it is unreadable."""
    if data is None:
        return {}, "no notebook was submitted"
    if len(data) > MAX_SUBMISSION_BYTES:
        return {}, f"the submitted notebook is larger than {MAX_SUBMISSION_BYTES >> 20} MB"
    try:
        nb = _quiet_read(data.decode("utf-8"))
        cells = list(nb.cells)
    except Exception as exc:
        return {}, f"the submitted file is not a readable notebook ({type(exc).__name__})"
    answers: dict[str, Answer] = {}
    for cell in cells:
        try:
            grade_id = cell.metadata.nbgrader.grade_id
            answer = Answer(str(cell.cell_type), cell.source)
        except (AttributeError, KeyError, TypeError):
            continue
        if isinstance(grade_id, str) and isinstance(answer.source, str):
            answers.setdefault(grade_id, answer)
    return answers, None


@dataclass(frozen=True)
class Names:
    """What the screen needs from a notebook's own cells: the names its trusted cells
    import and the names its tests use (the same for every submission)."""

    imported: dict[str, str]
    test_names: frozenset[str]


def trusted_names(generated: NotebookNode) -> Names:
    imported: dict[str, str] = {}
    test_names: set[str] = set()
    for cell in generated.cells:
        if cell.cell_type != "code" or utils.is_solution(cell):
            continue
        try:
            tree = screen.parse(cell.source)
        except (SyntaxError, ValueError):
            continue
        imported.update(screen.imported_names(tree))
        if utils.is_grade(cell):
            test_names |= screen.names_in(cell.source)
    return Names(imported, frozenset(test_names))


def _answer_imports(plan: list[CellPlan]) -> dict[str, str]:
    imported: dict[str, str] = {}
    for item in plan:
        if item.role == ANSWER:
            try:
                imported.update(screen.imported_names(screen.parse(item.source)))
            except (SyntaxError, ValueError):
                continue
    return imported


def rebuild(
    generated: NotebookNode,
    submission: bytes | None,
    *,
    use_screen: bool = True,
    names: Names | None = None,
) -> Rebuilt:
    """The notebook to run for one submission of ``generated``'s notebook.

    ``names``: ``trusted_names(generated)``, computed once for a whole class.
    """
    answers, unreadable = read_answers(submission)
    nb = copy.deepcopy(generated)
    plan: list[CellPlan] = []
    not_run: dict[int, str] = {}
    screened: dict[int, screen.Verdict] = {}
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        label = grade_id or f"cell {index + 1}"
        if utils.is_solution(cell):
            answer = answers.get(grade_id)
            if answer is not None and answer.cell_type == cell.cell_type:
                cell.source = answer.source
            elif unreadable is None:
                not_run[index] = "no answer with this grade_id and cell type was submitted"
        if cell.cell_type != "code":
            continue
        if utils.is_solution(cell):
            plan.append(CellPlan(index, ANSWER, cell.source, label=label))
        elif utils.is_grade(cell):
            plan.append(CellPlan(index, GRADED, cell.source, visible_source(cell), label))
        else:
            plan.append(CellPlan(index, TRUSTED, cell.source, label=label))
    began = time.perf_counter()
    if use_screen and unreadable is None:
        names = names or trusted_names(generated)
        imported = {**names.imported, **_answer_imports(plan)}
        test_names = set(names.test_names)
        for i, item in enumerate(plan):
            if item.role != ANSWER or item.index in not_run:
                continue
            verdict = screen.screen(item.source, imported, test_names)
            if verdict.findings:
                screened[item.index] = verdict
            if not verdict.allowed:
                reason = "it " + "; ".join(screen.summary(verdict.refused))
                not_run[item.index] = reason
                plan[i] = CellPlan(item.index, ANSWER, refusal(reason), label=item.label)
    screening = time.perf_counter() - began
    return Rebuilt(nb, tuple(plan), not_run, unreadable, screened, screening)
