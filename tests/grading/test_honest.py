"""Honest work never loses marks, and honest reports never accuse.

The honest class (:mod:`.honest`) is graded by the class grader with the
screen on, one assignment per course notebook: every honest submission keeps
full marks with nothing refused or flagged, and no report of the untouched or
wrong submissions uses the grader's tampering vocabulary, and feedback
redaction keeps every line of their checks' messages while showing no
hidden-only line.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from traitlets.config import Config

from coursetools.grading import rebuild, sample
from coursetools.grading.feedback import Redactor
from coursetools.grading.grade import NotebookReport, Options, grade_class
from coursetools.grading.limits import Limits

from . import honest
from .support import shows_hidden_line

LIMITS = Limits(cell_timeout=120.0, notebook_timeout=600.0)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[NotebookReport]]:
    root = tmp_path_factory.mktemp("honest") / "course"
    notebooks = honest.notebooks()
    sample.write(root, notebooks, honest.class_of)
    reports = []
    with ThreadPoolExecutor(2) as pool:
        for notebook in notebooks:
            options = Options(course=root, assignment=notebook, limits=LIMITS, progress=False)
            report = grade_class(options, pool)
            assert report.errors == []
            reports += report.notebooks
    return root, reports


def test_the_corpus_is_varied_and_covers_every_notebook() -> None:
    found = honest.samples()
    assert len(found) >= 40
    assert len({s.path.stem for s in found}) == len(found)  # one idiom per sample
    assert set(honest.notebooks()) == {p.name for p in sample.SAMPLES.iterdir() if p.is_dir()}


@pytest.mark.timeout(900)
def test_every_honest_answer_keeps_full_marks(graded: tuple[Path, list[NotebookReport]]) -> None:
    _, reports = graded
    lost = {
        f"{line.notebook}/{line.student}": {
            "carries": [s.name for s in honest.students(line.notebook)[line.student]],
            "failed": line.failed,
            "not run": line.not_run,
            "flagged": line.flagged,
        }
        for line in reports
        if line.student.startswith("honest-")
        and (line.score != line.max_score or line.not_run or line.flagged)
    }
    assert lost == {}
    assert {line.notebook for line in reports} == set(honest.notebooks())


@pytest.mark.timeout(900)
def test_untouched_and_wrong_submissions_are_not_accused_and_keep_their_messages(
    graded: tuple[Path, list[NotebookReport]],
) -> None:
    root, reports = graded
    accused, hidden, leaked = {}, {}, {}
    for line in reports:
        if line.student not in ("untouched", "wrong"):
            continue
        assert line.score is not None and line.score < line.max_score, line
        autograded = root / "autograded" / line.student / line.notebook / f"{line.notebook}.ipynb"
        outputs = "\n".join(_texts(nbformat.read(autograded, as_version=4)))
        text = "\n".join([str(line.failed), str(line.not_run), str(line.flagged), outputs])
        words = [word for word in honest.TAMPER_WORDS if word in text]
        if words:
            accused[f"{line.notebook}/{line.student}"] = (words, line.failed)
        redactor = Redactor.for_notebook(_generated(root, line.notebook))
        lost = [
            row
            for row in Redactor.plain(outputs).split("\n")
            if row.lstrip().startswith(("expected:", "got:", "hint:", "Not yet"))
            and redactor.text(row) != row
        ]
        if lost:
            hidden[f"{line.notebook}/{line.student}"] = lost
        page = redactor.text(Redactor.plain(outputs))
        if shown := [h for h in sorted(redactor.lines) if shows_hidden_line(redactor, h, page)]:
            leaked[f"{line.notebook}/{line.student}"] = shown
    assert accused == {}
    assert hidden == {}  # feedback keeps every line of what a check said
    assert leaked == {}  # and shows no hidden-only line


def _texts(nb: NotebookNode) -> list[str]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                value = output.get(key, "")
                found += value if isinstance(value, list) else [value]
    return found


def _generated(root: Path, notebook: str) -> NotebookNode:
    return rebuild.generate(root / "solutions" / notebook / f"{notebook}.ipynb", Config())
