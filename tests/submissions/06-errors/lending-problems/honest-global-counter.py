# workspace: lending/problems.py
# ruff: noqa: F821 (the idiom follows the reference answer)
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
LENDING_PROBLEMS = {
    EmailAlreadyRegistered: ProblemType(
        409, "email-already-registered", "E-mail address already registered"
    ),
    MemberInactive: ProblemType(409, "member-inactive", "Member inactive"),
    LoanLimitReached: ProblemType(409, "loan-limit-reached", "Loan limit reached"),
    AlreadyBorrowed: ProblemType(409, "already-borrowed", "Book already borrowed"),
    NoCopyAvailable: ProblemType(409, "no-copy-available", "No copy available"),
    LoanClosed: ProblemType(409, "loan-closed", "Loan closed"),
}
PROBLEM_TYPES.update(LENDING_PROBLEMS)


# An honest addition: global-counter
calls = 0


def _bump() -> int:
    global calls
    calls += 1
    return calls


_bump()
