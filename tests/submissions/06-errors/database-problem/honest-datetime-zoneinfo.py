# workspace: lending/problems.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

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
    if isinstance(exc, OverflowError) and not _raised_in_sqlalchemy(exc):
        return None
    return next((kind for cls, kind in DATABASE_PROBLEMS.items() if isinstance(exc, cls)), None)


DATABASE_PROBLEMS: dict[type[Exception], ProblemType] = {
    IntegrityError: STORED_DATA_CONFLICT,
    DataError: UNSTORABLE_VALUE,
    OverflowError: UNSTORABLE_VALUE,
    OperationalError: DATABASE_UNAVAILABLE,
    InterfaceError: DATABASE_UNAVAILABLE,
    DisconnectionError: DATABASE_UNAVAILABLE,
    PoolTimeoutError: DATABASE_UNAVAILABLE,
}


# An honest addition: datetime-zoneinfo
from datetime import UTC, date, datetime, timedelta

print(datetime.now(UTC).tzinfo is UTC, date(2026, 1, 1) + timedelta(days=14))
