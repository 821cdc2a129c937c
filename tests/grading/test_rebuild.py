"""Phase 1: the notebook that runs comes from the source; only answers come from the student."""

from __future__ import annotations

import copy

import nbformat
import pytest
from traitlets.config import Config

from coursetools import nbmeta
from coursetools.grading import rebuild
from coursetools.grading.jobs import ANSWER, GRADED, TRUSTED
from coursetools.grading.rebuild import read_answers, visible_source

from . import demo


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    return rebuild.generate(demo.write_source(tmp_path_factory.mktemp("source")), Config())


def _submission(nb: nbformat.NotebookNode) -> bytes:
    text: str = nbformat.writes(nb)
    return text.encode()


def _student(generated: nbformat.NotebookNode, **answers: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(generated)
    for cell in nb.cells:
        grade_id = nbmeta.grade_id(cell)
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def test_generation_keeps_hidden_tests_and_clears_solutions(
    generated: nbformat.NotebookNode,
) -> None:
    text = "\n".join(cell.source for cell in generated.cells)
    assert "BEGIN HIDDEN TESTS" in text
    assert "return a + b" not in text
    assert "raise NotImplementedError()" in text
    assert all(
        c.metadata.nbgrader.get("checksum") for c in generated.cells if "nbgrader" in c.metadata
    )


def test_roles_follow_the_source(generated: nbformat.NotebookNode) -> None:
    built = rebuild.rebuild(generated, _submission(generated))
    roles = [(p.label, p.role) for p in built.plan]
    assert roles == [
        ("setup", TRUSTED),
        ("add", ANSWER),
        ("add-tests", GRADED),
        ("year", ANSWER),
        ("year-tests", GRADED),
        ("member", ANSWER),
        ("member-tests", GRADED),
        ("total", ANSWER),
        ("total-tests", GRADED),
    ]
    graded = [p for p in built.plan if p.role == GRADED]
    assert all(p.visible is not None and "HIDDEN" not in p.visible for p in graded)
    assert all("BEGIN HIDDEN TESTS" in p.source for p in graded)


def test_only_answers_come_from_the_submission(generated: nbformat.NotebookNode) -> None:
    student = _student(generated, add="def add(a, b):\n    return a + b", **{"add-tests": "pass"})
    student.cells.insert(0, nbformat.v4.new_code_cell("print('extra cell')"))
    for cell in student.cells:
        if nbmeta.grade_id(cell) == "year-tests":
            cell.metadata.nbgrader["points"] = 100
    built = rebuild.rebuild(generated, _submission(student))
    sources = {p.label: p.source for p in built.plan}
    assert sources["add"] == "def add(a, b):\n    return a + b"
    assert "expect_equal(add(2, 3), 5" in sources["add-tests"]
    assert all("extra cell" not in s for s in sources.values())
    points = {nbmeta.grade_id(c): nbmeta.nbgrader(c).get("points") for c in built.notebook.cells}
    assert points["year-tests"] == demo.POINTS["year-tests"]


def test_the_first_of_duplicated_answers_counts(generated: nbformat.NotebookNode) -> None:
    student = _student(generated, add="first = 1")
    index = next(i for i, c in enumerate(student.cells) if nbmeta.grade_id(c) == "add")
    clone = copy.deepcopy(student.cells[index])
    clone.source, clone["id"] = "second = 2", "clone"
    student.cells.insert(index + 1, clone)
    answers, _ = read_answers(_submission(student))
    assert answers["add"].source == "first = 1"


def test_a_retyped_or_renamed_answer_is_missing(generated: nbformat.NotebookNode) -> None:
    student = _student(generated, add="def add(a, b):\n    return a + b")
    for cell in student.cells:
        if nbmeta.grade_id(cell) == "year":
            cell.metadata.nbgrader["grade_id"] = "year-renamed"
    index = next(i for i, c in enumerate(student.cells) if nbmeta.grade_id(c) == "add")
    student.cells[index] = nbformat.v4.new_raw_cell(
        student.cells[index].source, metadata=student.cells[index].metadata
    )
    built = rebuild.rebuild(generated, _submission(student))
    labels = {p.index: p.label for p in built.plan}
    assert sorted(labels[i] for i in built.not_run) == ["add", "year"]
    assert "NotImplementedError" in next(p.source for p in built.plan if p.label == "add")


@pytest.mark.parametrize(
    "data",
    [None, b"", b"{not json", b'{"cells": 3}', b"\xff\xfe", b"[]" + b" " * 10],
    ids=["missing", "empty", "not-json", "bad-cells", "not-utf8", "a-list"],
)
def test_an_unreadable_submission_is_reported_not_raised(
    generated: nbformat.NotebookNode, data: bytes | None
) -> None:
    built = rebuild.rebuild(generated, data)
    assert built.unreadable
    assert len(built.plan) == 9


def test_a_screened_answer_is_replaced_by_a_refusal(generated: nbformat.NotebookNode) -> None:
    tamper = "get_ipython().events.register('pre_run_cell', print)"
    student = _student(generated, add=tamper, year="import os\nos._exit(0)")
    built = rebuild.rebuild(generated, _submission(student))
    plan = next(p for p in built.plan if p.label == "add")
    assert plan.source.startswith("raise RuntimeError(")
    assert built.refused(plan.index) and "IPython shell" in built.not_run[plan.index]
    shown = built.notebook.cells[plan.index].source
    assert shown == tamper
    unscreened = rebuild.rebuild(generated, _submission(student), use_screen=False)
    assert next(p for p in unscreened.plan if p.label == "add").source == shown


def test_a_flagged_answer_runs_as_written(generated: nbformat.NotebookNode) -> None:
    student = _student(generated, year="import os\nos._exit(0)")
    built = rebuild.rebuild(generated, _submission(student))
    plan = next(p for p in built.plan if p.label == "year")
    assert plan.source == "import os\nos._exit(0)"
    assert plan.index not in built.not_run and not built.refused(plan.index)
    assert list(map(str, built.flags(plan.index))) == ["ends or signals processes (os._exit)"]


def test_visible_source_drops_only_the_hidden_region() -> None:
    cell = nbformat.v4.new_code_cell(
        "a = 1\n### BEGIN HIDDEN TESTS\nb = 2\n### END HIDDEN TESTS\nc = 3"
    )
    assert visible_source(cell) == "a = 1\nc = 3"
    assert visible_source(nbformat.v4.new_code_cell("a = 1")) is None
