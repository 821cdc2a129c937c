"""Every released notebook of the course, solved with its reference answers, scores full marks.

The grading kernel is stricter than a plain one (``helpers`` is read-only, the
pipeline is restored around trusted cells, tests run through rig-proof
comparisons); this proves the course's own notebooks are unaffected. The
notebooks are graded in parallel through the one-notebook pipeline.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from coursetools import nbmeta
from coursetools.grading.limits import Limits
from coursetools.grading.single import NotebookResult, grade_notebook
from coursetools.layout import NOTEBOOKS, SOLUTIONS, assignments
from coursetools.nbcourse import fill_in

RELEASED = [n for n in assignments(NOTEBOOKS) if (SOLUTIONS / n / f"{n}.ipynb").is_file()]


def _grade(name: str, folder: Path) -> NotebookResult:
    source = SOLUTIONS / name / f"{name}.ipynb"
    solved = fill_in(nbmeta.read(NOTEBOOKS / name / f"{name}.ipynb"), nbmeta.read(source))
    submission = folder / f"{name}.ipynb"
    nbformat.write(solved, submission)
    return grade_notebook(submission, source, limits=Limits(cell_timeout=120.0))


@pytest.mark.timeout(600)
@pytest.mark.skipif(not RELEASED, reason="no released notebooks in this checkout")
def test_reference_solutions_score_full_marks(tmp_path: Path) -> None:
    with ThreadPoolExecutor(3) as pool:
        results = dict(
            zip(RELEASED, pool.map(lambda n: _grade(n, tmp_path), RELEASED), strict=True)
        )
    failing = {
        name: {c.grade_id: c.messages for c in result.cells if not c.passed} or result.error
        for name, result in results.items()
        if result.score != result.max_score or result.max_score == 0
    }
    assert failing == {}
