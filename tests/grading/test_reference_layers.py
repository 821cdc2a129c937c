"""Reference layers behave the same while learning and while grading.

The grading kernel protects the grading machinery (``helpers``, the kernel side),
not the course's reference service: a test that monkeypatches a restored layer,
as notebook 07 teaches, must score under the class grader exactly what it does
for a learner running the notebook.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursetools import authoring as a
from coursetools.execute import execute
from coursetools.grading.limits import Limits
from coursetools.grading.single import grade_notebook

# A test cell that patches the restored reference clock and the service module, then
# puts both back, with pytest's MonkeyPatch and by hand.
PATCHING_TESTS = """
# Exercise 1: a test that patches reference layers
from datetime import date

import pytest

import lending.clock
import lending.services

class Frozen:
    def today(self) -> date:
        return date(2026, 1, 15)

saved = lending.clock.SystemClock
lending.clock.SystemClock = Frozen
try:
    assert lending.clock.SystemClock().today() == date(2026, 1, 15)
finally:
    lending.clock.SystemClock = saved

with pytest.MonkeyPatch.context() as patch:
    patch.setattr(lending.services, "LendingService", Frozen)
    assert lending.services.LendingService is Frozen
assert lending.services.LendingService is not Frozen
assert loan_days(21) == 21
"""
ANSWER = """
def loan_days(days: int) -> int:
    ### BEGIN SOLUTION
    return days
    ### END SOLUTION
"""


def _source(path: Path) -> Path:
    a.write(
        a.notebook(
            [
                a.markdown("# 05 · Patching reference layers"),
                a.readonly('from helpers import start\n\nstart("05-routers")', "setup"),
                a.solution(ANSWER, "loan-days"),
                a.tests(PATCHING_TESTS, "loan-days-tests", 2),
            ]
        ),
        path,
    )
    return path


@pytest.mark.timeout(300)
def test_a_test_that_monkeypatches_a_reference_layer_scores_the_same_graded(
    tmp_path: Path,
) -> None:
    source = _source(tmp_path / "source" / "05-patching.ipynb")
    solved = tmp_path / "submission" / "05-patching.ipynb"  # the source holds the answer
    solved.parent.mkdir()
    shutil.copy(source, solved)

    learned = execute(solved, allow_errors=True)
    errors = [o for cell in learned.cells for o in cell.get("outputs", []) if "ename" in o]
    assert errors == [], "while learning, the patching test passes"

    graded = grade_notebook(solved, source, limits=Limits(cell_timeout=60.0))
    assert graded.error is None
    assert (graded.score, graded.max_score) == (2.0, 2.0), graded.cells
