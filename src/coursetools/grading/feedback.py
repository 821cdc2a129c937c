"""Feedback that never shows hidden tests unless an instructor asks (nbgrader #917).

:class:`HideHiddenTests` is an nbgrader preprocessor: in every graded cell it
removes the ``### BEGIN/END HIDDEN TESTS`` region from the source (leaving a
line that says tests were hidden), and in every cell's outputs it redacts any
line that quotes hidden-only test code (a traceback quotes the failing line;
student code may print earlier cells). Code the student version shows anyway
is never redacted. Failure messages written by ``helpers.checks`` stay.
Add it first in ``GenerateFeedback.preprocessors`` (see ``docs/instructors.md``)
and plain ``nbgrader generate_feedback`` hides them too;
:func:`generate_feedback` runs nbgrader's converter with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool, Integer

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests are not shown)"
REDACTED = "[hidden test line]"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Redactor:
    """Removes hidden test lines from text."""

    lines: frozenset[str]

    @classmethod
    def for_notebook(cls, nb: NotebookNode, shortest: int = 6) -> Redactor:
        """The hidden-only lines of ``nb``: a line the student version shows anywhere
        (a worked example, a visible test, prose) reveals nothing and is kept."""
        hidden: set[str] = set()
        shown: set[str] = set()
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                if BEGIN in line:
                    inside = True
                elif END in line:
                    inside = False
                elif inside and len(line.strip()) >= shortest:
                    hidden.add(line.strip())
                elif not inside:
                    shown.add(line.strip())
        return cls(frozenset(hidden - shown))

    @staticmethod
    def plain(text: str) -> str:
        return _ANSI.sub("", text)

    def text(self, text: str) -> str:
        if not self.lines:
            return text
        out = []
        for line in text.split("\n"):
            bare = self.plain(line)
            out.append(REDACTED if any(h in bare for h in self.lines) else line)
        return "\n".join(out)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def hide_source(source: str) -> str:
    """``source`` with each hidden region replaced by :data:`PLACEHOLDER`."""
    out, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


class HideHiddenTests(NbGraderPreprocessor):  # type: ignore[misc]  # nbgrader is untyped
    """Hide hidden tests' source and redact their lines from all outputs."""

    show_hidden_tests = Bool(False, help="Show hidden tests in feedback (instructors only).").tag(
        config=True
    )
    shortest_line = Integer(6, help="Shorter hidden lines are not redacted from outputs.").tag(
        config=True
    )

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        if self.show_hidden_tests:
            return nb, resources
        redactor = Redactor.for_notebook(nb, self.shortest_line)
        for cell in nb.cells:
            if utils.is_grade(cell) and BEGIN in cell.source:
                cell.source = hide_source(cell.source)
            for output in cell.get("outputs", []):
                for key in ("text", "evalue", "traceback", "data"):
                    if key in output:
                        output[key] = redactor.value(output[key])
        return nb, resources


def generate_feedback(
    course: Path,
    assignment: str,
    *,
    db_url: str | None = None,
    students: tuple[str, ...] = (),
    show_hidden_tests: bool = False,
    force: bool = False,
) -> list[Path]:
    """Run nbgrader's feedback converter with :class:`HideHiddenTests`; returns files."""
    from nbgrader.converters import GenerateFeedback

    from coursetools.grading.course import load

    coursedir, config = load(course, db_url)
    config.HideHiddenTests.show_hidden_tests = show_hidden_tests
    config.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
    config.GenerateFeedback.force = force
    coursedir.assignment_id = assignment
    made: list[Path] = []
    for student in students or ("*",):
        coursedir.student_id = student
        GenerateFeedback(coursedir=coursedir, config=config).start()
    feedback = Path(coursedir.format_path(coursedir.feedback_directory, "*", assignment))
    for folder in sorted(feedback.parent.parent.glob(f"*/{assignment}")):
        made += sorted(folder.glob("*.html"))
    return made
