# workspace: lending/problems.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from lending.errors import (
    AlreadyBorrowed,
    EmailAlreadyRegistered,
    LendingError,
    LoanClosed,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
)

LENDING_PROBLEMS: dict[type[LendingError], ProblemType] = {}
# A broken rule is a client error, so 400 (but the request is well formed: 409 says "conflict")
LENDING_PROBLEMS = {
    error: ProblemType(400, error.code.replace("_", "-"), error.__name__)
    for error in (
        EmailAlreadyRegistered,
        MemberInactive,
        LoanLimitReached,
        AlreadyBorrowed,
        NoCopyAvailable,
        LoanClosed,
    )
}

PROBLEM_TYPES.update(LENDING_PROBLEMS)
