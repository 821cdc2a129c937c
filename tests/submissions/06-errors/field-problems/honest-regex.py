# workspace: lending/problems.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from fastapi.exceptions import RequestValidationError


def field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Each validation error as location and message: never its `input` or `ctx`."""
    return [
        FieldProblem(
            location=".".join(str(part) for part in error["loc"]),
            message=error["msg"],
            type=error["type"],
        )
        for error in exc.errors()
    ]


# An honest addition: regex
import re

ISBN_DIGITS = re.compile(r"\d{13}")
print(bool(ISBN_DIGITS.fullmatch("9780306406157")))
