"""The honest corpus: correct answers in everyday styles, and the class they make.

``tests/submissions/<notebook>/<grade_id>/honest-<idiom>.py`` is the reference
answer of one exercise followed by an ordinary idiom (a standard-library
helper, built-ins, introspection, a variable named ``id`` or ``hash``, grader
words in comments and strings, ...). Each must keep full marks under the class
grader with the screen on. Student ``honest-N`` of a notebook submits the
solved notebook with the N-th honest sample of every exercise that has one, so
a notebook is graded once per sample of its most varied exercise, not once per
sample. Beside them, ``untouched`` submits the student version as released
and ``wrong`` every wrong-answer sample at once: their reports must not accuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.grading.sample import SAMPLES
from coursetools.layout import NOTEBOOKS, SOLUTIONS
from coursetools.nbcourse import fill_in, replace_cells

# What the grader says when it suspects tampering; an honest report holds none of it.
TAMPER_WORDS = (
    "rebound",
    "changed while the test ran",
    "not run because",
    "did not run this answer",
    "blocked by the course grader",
    "tamper",
)


@dataclass(frozen=True)
class Sample:
    notebook: str
    grade_id: str
    path: Path

    @property
    def name(self) -> str:
        return f"{self.notebook}/{self.grade_id}/{self.path.stem}"


def samples() -> list[Sample]:
    return [
        Sample(path.parent.parent.name, path.parent.name, path)
        for path in sorted(SAMPLES.glob("*/*/honest-*.py"))
    ]


def notebooks() -> list[str]:
    return sorted({sample.notebook for sample in samples()})


def students(notebook: str) -> dict[str, list[Sample]]:
    """``{honest-N: the samples that student's notebook carries}``."""
    by_exercise: dict[str, list[Sample]] = {}
    for sample in samples():
        if sample.notebook == notebook:
            by_exercise.setdefault(sample.grade_id, []).append(sample)
    count = max(map(len, by_exercise.values()), default=0)
    return {
        f"honest-{n + 1}": [found[n] for found in by_exercise.values() if n < len(found)]
        for n in range(count)
    }


def class_of(notebook: str) -> dict[str, NotebookNode | bytes]:
    """Every submission of ``notebook`` in the honest class."""
    release = nbmeta.read(NOTEBOOKS / notebook / f"{notebook}.ipynb")
    solved = fill_in(release, nbmeta.read(SOLUTIONS / notebook / f"{notebook}.ipynb"))
    found: dict[str, NotebookNode | bytes] = {
        student: replace_cells(solved, {s.grade_id: s.path.read_text() for s in carried})
        for student, carried in students(notebook).items()
    }
    found["untouched"] = release
    wrong = {p.parent.name: p.read_text() for p in (SAMPLES / notebook).glob("*/wrong.py")}
    found["wrong"] = replace_cells(solved, wrong)
    return found
