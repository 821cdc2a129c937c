# workspace: lending/problems.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from sqlalchemy.exc import (
    IntegrityError,
    OperationalError,
)

STORED_DATA_CONFLICT = ProblemType(
    409, "conflict", "Conflict with the current state", "The request clashes with stored data."
)
UNSTORABLE_VALUE = ProblemType(
    422,
    "unstorable-value",
    "Value cannot be stored",
    "A value in the request is outside the range the service can store.",
)
DATABASE_UNAVAILABLE = ProblemType(
    503,
    "database-unavailable",
    "Service unavailable",
    "The service cannot reach its database right now; try again shortly.",
    headers={"Retry-After": "5"},
)


def database_problem(exc: BaseException) -> ProblemType | None:
    """The problem for a database error the services did not expect; `None` otherwise."""
    if isinstance(exc, IntegrityError):
        return STORED_DATA_CONFLICT
    if isinstance(exc, OperationalError):
        return DATABASE_UNAVAILABLE
    return None


DATABASE_PROBLEMS: dict[type[Exception], ProblemType] = {}
