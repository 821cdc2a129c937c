"""Feedback redaction removes the course's hidden tests and nothing else.

For every notebook in ``solutions/``: each visible line (as a traceback quotes
it) and each row a visible check can print from its literals (``Not yet:``,
``expected:``, ``hint:``) survives :class:`Redactor`, while each hidden-only
line, quoted by a traceback, printed bare or inside a repr of the cell sources
(``print(In)``), is removed. The graded runs in ``test_honest`` add the rows
the checks printed at run time (``got:`` among them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.grading.feedback import BEGIN, END, REDACTED, Redactor, hide_source
from coursetools.layout import SOLUTIONS, assignments
from helpers.checks import show

from .support import shows_hidden_line

NOTEBOOKS = assignments()
ANSI_ARROW = "\x1b[0;32m----> 12\x1b[0m "
CHECKS = ("expect", "fail", "check", "rewritten")
LABELS = {"what": "Not yet: ", "expected": "  expected: ", "hint": "  hint:     "}


def _source(name: str) -> NotebookNode:
    return nbmeta.read(SOLUTIONS / name / f"{name}.ipynb")


def _visible_lines(nb: NotebookNode) -> list[str]:
    return [
        line.strip()
        for cell in nb.cells
        for line in hide_source(cell.source).splitlines()
        if line.strip() and BEGIN not in line and END not in line
    ]


def _literal(node: ast.expr) -> tuple[bool, object]:
    try:
        return True, ast.literal_eval(node)
    except ValueError:
        return False, None


def _check_rows(nb: NotebookNode) -> list[str]:
    """The rows the visible checks print from literal arguments: ``Not yet:``, ``expected:``
    and ``hint:`` rows, and any other text passed to a check (a mutant's description)."""
    rows: list[str] = []
    manager = TransformerManager()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code = manager.transform_cell(hide_source(cell.source))
        tree = compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        for node in ast.walk(tree):
            name = getattr(getattr(node, "func", None), "id", "")
            name = name or getattr(getattr(node, "func", None), "attr", "")
            if not isinstance(node, ast.Call) or not name.startswith(CHECKS):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if name == "expect_equal" and len(node.args) >= 2:
                keywords.setdefault("expected", node.args[1])
            for key, label in LABELS.items():
                found, value = _literal(keywords[key]) if key in keywords else (False, None)
                if found:
                    rows.append(f"{label}{show(value) if key == 'expected' else value}")
            rows += [
                f"  {line}"
                for text in ast.walk(node)
                if isinstance(text, ast.Constant) and isinstance(text.value, str)
                for line in text.value.splitlines()
            ]
    return rows


def test_the_course_has_hidden_tests_to_redact() -> None:
    assert len(NOTEBOOKS) >= 12
    counts = {name: len(Redactor.for_notebook(_source(name)).lines) for name in NOTEBOOKS}
    assert all(counts.values()), counts


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_visible_lines_and_check_rows_survive(name: str) -> None:
    nb = _source(name)
    redactor = Redactor.for_notebook(nb)
    rows = _check_rows(nb)
    quoted = [f"{ANSI_ARROW}{line}" for line in _visible_lines(nb)]
    assert rows, "the notebook's visible checks print rows"
    assert [row for row in rows + quoted if redactor.text(row) != row] == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_hidden_only_line_survives_a_quote(name: str) -> None:
    nb = _source(name)
    redactor = Redactor.for_notebook(nb)
    sources = repr([cell.source for cell in nb.cells])  # what print(In) shows
    for line in sorted(redactor.lines):
        for row in (line, f"      7     {line}", f"{ANSI_ARROW}{line}", f">       {line}"):
            assert redactor.text(row) == REDACTED, row
        if redactor.distinctive(line):
            assert redactor.text(f"AssertionError: {line}") == REDACTED, line
    page = redactor.text("\n".join([sources, sources.replace("'", '"'), *_tracebacks(nb)]))
    assert [line for line in redactor.lines if shows_hidden_line(redactor, line, page)] == []


def _tracebacks(nb: NotebookNode) -> list[str]:
    """Every hidden region as IPython's traceback would quote it, numbered and coloured."""
    return [
        f"\x1b[0;32m{'---->' if n % 2 else '     '} {n}\x1b[0m {line}"
        for cell in nb.cells
        for n, line in enumerate(cell.source.splitlines(), start=1)
    ]


def _redactor(*hidden: str, shown: str = "") -> Redactor:
    import nbformat

    nb = nbformat.v4.new_notebook()
    region = "\n".join(hidden)
    nb.cells = [
        nbformat.v4.new_code_cell(shown),
        nbformat.v4.new_code_cell(f"### {BEGIN}\n{region}\n### {END}"),
    ]
    return Redactor.for_notebook(nb)


@pytest.mark.parametrize(
    ("hidden", "row"),
    [
        ("refused,", "  expected: the loan refused, with a 409"),
        ("finally:", "  hint:     close the session in a finally: block"),
        ('"ready",', '  expected: {"status": "ready", "id": 1}'),
        ('"ready",', '  got:      ["ready", "late"]'),
        ("status,", "  hint:     return status, then the body"),
        ("status,", "Not yet: the response's status, body and headers"),
        ("response.status_code,", "  got:      response.status_code, response.json()"),
    ],
)
def test_a_short_hidden_line_inside_a_visible_row_keeps_the_row(hidden: str, row: str) -> None:
    redactor = _redactor(hidden, "assert total([]) == 0")
    assert redactor.lines == {hidden, "assert total([]) == 0"}
    assert redactor.text(row) == row
    assert redactor.text(f"{row}\n----> 4 {hidden}") == f"{row}\n{REDACTED}"


def test_a_hidden_line_is_found_through_escapes_and_quotes() -> None:
    hidden = 'raise AssertionError("it\'s \\\\ late")'
    redactor = _redactor(hidden, "    check_year(3000)")
    printed = repr([f"### {BEGIN}\n{hidden}\n    check_year(3000)\n### {END}"])
    assert redactor.text(printed) == REDACTED
    assert redactor.text(f"AssertionError: {hidden}") == REDACTED
    assert redactor.text("check_year(3000) should raise ValueError") != REDACTED


def test_a_line_the_student_version_shows_is_never_redacted(tmp_path: Path) -> None:
    redactor = _redactor("assert total([]) == 0", "status,", shown="assert total([]) == 0")
    assert redactor.lines == {"status,"}
    assert redactor.text("----> 3 assert total([]) == 0") == "----> 3 assert total([]) == 0"
