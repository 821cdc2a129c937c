"""Recording checks nbgrader's metadata schema once per class: the same verdicts as nbgrader's."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from coursetools.grading.record import schemas_checked_once


def _notebook(points: object) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "check",
        "locked": True,
        "points": points,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    notebook: nbformat.NotebookNode = nbformat.v4.new_notebook(cells=[cell])
    return notebook


def _verdict(points: object) -> str:
    try:
        MetadataValidator().validate_nb(_notebook(points))
    except ValidationError as error:
        return f"refused: {error.message}"
    return "valid"


@pytest.mark.parametrize("points", [2, 0.5, "two", None])
def test_the_cached_schema_gives_nbgraders_verdict(points: object) -> None:
    plain = _verdict(points)
    with schemas_checked_once():
        cached = [_verdict(points), _verdict(points)]
    assert cached == [plain, plain]
    assert (plain == "valid") == isinstance(points, int | float)
