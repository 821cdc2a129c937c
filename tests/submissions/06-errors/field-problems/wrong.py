# workspace: lending/problems.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from fastapi.exceptions import RequestValidationError


def field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Each validation error as location and message: never its `input` or `ctx`."""
    return [
        FieldProblem(location=str(error["loc"]), message=error["msg"], type=error["type"])
        for error in exc.errors()
    ]
