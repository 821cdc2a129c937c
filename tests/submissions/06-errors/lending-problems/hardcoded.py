# workspace: lending/problems.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from lending.errors import (
    EmailAlreadyRegistered,
    LendingError,
    NoCopyAvailable,
)

LENDING_PROBLEMS: dict[type[LendingError], ProblemType] = {}
LENDING_PROBLEMS = {
    EmailAlreadyRegistered: ProblemType(409, "email-already-registered", "E-mail taken"),
    NoCopyAvailable: ProblemType(409, "no-copy-available", "No copy available"),
}

PROBLEM_TYPES.update(LENDING_PROBLEMS)
