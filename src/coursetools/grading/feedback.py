"""Feedback that never shows hidden tests unless an instructor asks (nbgrader #917).

:class:`HideHiddenTests` is an nbgrader preprocessor: in every graded cell it
removes the ``### BEGIN/END HIDDEN TESTS`` region from the source (leaving a
line that says tests were hidden), and in every cell's outputs it redacts each
row that quotes a hidden-only test line (a traceback quotes the failing line;
student code may print earlier cells) and no other row. Code the student version shows anyway
is never redacted. Failure messages written by ``helpers.checks`` stay.
Add it first in ``GenerateFeedback.preprocessors`` (see ``docs/instructors.md``)
and plain ``nbgrader generate_feedback`` hides them too;
:func:`generate_feedback` runs nbgrader's converter with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
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


# A traceback's gutter before a quoted source line: IPython's "----> 3 " / "      2 ",
# pytest's ">   ".
_GUTTER = re.compile(r"^(?:-*>\s*)?(?:\d+\s+)?")
# A newline written as an escape: a repr or JSON of cell sources (``print(In)``).
_ESCAPED_NEWLINE = re.compile(r"\\r?\\n")
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+")


def _escaped(line: str) -> set[str]:
    """``line`` as a repr or JSON string would write it (quotes, backslashes)."""
    slashed = line.replace("\\", "\\\\")
    return {line, slashed.replace("'", "\\'"), slashed.replace('"', '\\"')}


@dataclass(frozen=True)
class Redactor:
    """Removes the rows of output that show a hidden-only test line.

    A row shows a line when, without its decoration (ANSI colours, a traceback's
    line number and arrow, the quotes and escaped newlines of a repr), it *is*
    the line, or when it holds a :func:`distinctive` line (an assertion or repr
    reproducing it). A short or few-token hidden line (``status,``,
    ``finally:``) inside a longer row is a coincidence, not a quote: the row
    stays; so is one that a line of the student version (``shown``) contains.
    """

    lines: frozenset[str]
    shown: frozenset[str] = frozenset()

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
        return cls(frozenset(hidden - shown), frozenset(shown))

    @cached_property
    def _exact(self) -> frozenset[str]:
        return frozenset(form for line in self.lines for form in _escaped(line))

    @cached_property
    def _quoted(self) -> tuple[str, ...]:
        return tuple(
            form for line in sorted(self.lines) if self.distinctive(line) for form in _escaped(line)
        )

    def distinctive(self, line: str) -> bool:
        """Long, of several tokens, and in no line of the student version: met inside
        other text, it is this line quoted."""
        long = len(line) >= 16 and len(_TOKEN.findall(line)) >= 3
        return long and not any(line in seen for seen in self.shown)

    @staticmethod
    def plain(text: str) -> str:
        return _ANSI.sub("", text)

    def shows(self, row: str) -> bool:
        """Whether ``row`` (one line of output) shows a hidden-only line."""
        bare = self.plain(row)
        for piece in _ESCAPED_NEWLINE.split(bare):
            piece = piece.strip()
            if piece in self._exact or _GUTTER.sub("", piece, count=1).strip() in self._exact:
                return True
        return any(line in bare for line in self._quoted)

    def text(self, text: str) -> str:
        if not self.lines:
            return text
        return "\n".join(REDACTED if self.shows(row) else row for row in text.split("\n"))

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
