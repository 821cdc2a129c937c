"""A test cell's final number is partial credit, and the class grader reads it as nbgrader does.

nbgrader's ``determine_grade`` takes a graded cell's ``execute_result`` (a number from 0
to the cell's points) as the points earned; notebook 07's test cells end in the share of
mutants caught. The class grader judges the cell, then scores its copy with that same
function: the value must survive judging, and a cell that failed must still score 0.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader import utils

from coursetools import authoring
from coursetools.grading import scoring
from coursetools.grading.jobs import GRADED, CellPlan, CellResult, ExecResult
from coursetools.grading.rebuild import Rebuilt

SOURCE = "score = 1.5\nscore"


def executed(outputs: list[dict[str, Any]]) -> NotebookNode:
    cell = authoring.tests(SOURCE, "share-tests", 3)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    cell.execution_count = 1
    return cell


def class_grader_score(
    outputs: list[dict[str, Any]], *, status: str = "ok", violations: tuple[str, ...] = ()
) -> float:
    nb = new_notebook(cells=[authoring.tests(SOURCE, "share-tests", 3), new_code_cell("1")])
    rebuilt = Rebuilt(nb, (CellPlan(0, GRADED, SOURCE, label="share-tests"),))
    verified = {"status": status, "completed": status == "ok", "violations": list(violations)}
    result = ExecResult("k", {0: CellResult(0, outputs, 1, status, verified)})
    judged = scoring.judge(scoring.merge(rebuilt, result), rebuilt, result, stderr_fails=False)
    score, _ = utils.determine_grade(judged.scoring.cells[0])
    return float(score or 0.0)


STDOUT = {"output_type": "stream", "name": "stdout", "text": "caught 3 of 6 bugs\n"}


def result(value: str) -> dict[str, Any]:
    return {
        "output_type": "execute_result",
        "data": {"text/plain": value},
        "metadata": {},
        "execution_count": 1,
    }


@pytest.mark.parametrize("value", ["1.5", "0.0", "3.0", "2.62"])
def test_a_final_number_is_the_points_for_both(value: str) -> None:
    outputs = [STDOUT, result(value)]
    nbgrader_score, _ = utils.determine_grade(executed(outputs))
    assert class_grader_score(outputs) == nbgrader_score == float(value)


def test_a_failed_cell_scores_nothing_for_both() -> None:
    error = {"output_type": "error", "ename": "ExerciseFailure", "evalue": "no", "traceback": []}
    nbgrader_score, _ = utils.determine_grade(executed([STDOUT, error]))
    assert class_grader_score([STDOUT, error], status="error") == nbgrader_score == 0


def test_a_number_does_not_rescue_a_cell_the_grader_failed() -> None:
    """The grader appends its error after the cell's outputs; nbgrader stops at the first
    ``execute_result``, so the number must not reach it."""
    outputs = [STDOUT, result("3.0")]
    assert class_grader_score(outputs, violations=("changed while the test ran: x",)) == 0
