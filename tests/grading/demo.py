"""A small synthetic assignment for the grading tests, built with coursetools.authoring.

Four exercises, 6 points, visible and hidden tests, written the way the course
writes them: ``helpers.checks`` for readable failures, a hidden ``except
ValueError`` test, and one exercise tested with bare ``assert`` s.
"""

from __future__ import annotations

from pathlib import Path

from nbformat import NotebookNode

from coursetools import authoring as a

ASSIGNMENT = "00-demo"
POINTS = {"add-tests": 1.0, "year-tests": 2.0, "member-tests": 2.0, "total-tests": 1.0}
HIDDEN_MARKERS = ("add(-4, 4)", "check_year(3000)", '"max_loans": 0', "total([])")

SETUP = 'from helpers import start\n\nstart("00-demo")'
ADD = """
def add(a: int, b: int) -> int:
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION
"""
ADD_TESTS = """
# Exercise 1: add
from helpers.checks import expect_equal

expect_equal(add(2, 3), 5, what="add(2, 3)", hint="Return the sum of the two numbers.")
### BEGIN HIDDEN TESTS
expect_equal(add(-4, 4), 0, what="add(-4, 4)")
### END HIDDEN TESTS
"""
YEAR = """
def check_year(year: int) -> int:
    ### BEGIN SOLUTION
    if not 1450 <= year <= 2100:
        raise ValueError(f"{year} is not a plausible publication year")
    return year
    ### END SOLUTION
"""
YEAR_TESTS = """
# Exercise 2: publication years
from helpers.checks import expect_equal

expect_equal(check_year(2020), 2020, what="check_year(2020)", hint="Return a valid year unchanged.")
### BEGIN HIDDEN TESTS
try:
    check_year(3000)
except ValueError:
    pass
else:
    raise AssertionError("check_year(3000) should raise ValueError")
### END HIDDEN TESTS
"""
MEMBER = """
from pydantic import BaseModel, Field


class MemberCreate(BaseModel):
    ### BEGIN SOLUTION
    name: str = Field(min_length=1)
    max_loans: int = Field(default=3, ge=1)
    ### END SOLUTION
"""
MEMBER_TESTS = """
# Exercise 3: MemberCreate
from helpers.checks import expect_invalid, expect_valid

expect_valid(MemberCreate, {"name": "Ada"}, what="a member with a name")
### BEGIN HIDDEN TESTS
expect_invalid(MemberCreate, {"name": ""}, field="name", what="an empty name")
error = expect_invalid(MemberCreate, {"name": "Ada", "max_loans": 0}, field="max_loans", what="0")
### END HIDDEN TESTS
"""
TOTAL = """
def total(numbers: list[int]) -> int:
    ### BEGIN SOLUTION
    return sum(numbers)
    ### END SOLUTION
"""
TOTAL_TESTS = """
# Exercise 4: total
assert total([1, 2, 3]) == 6, "total([1, 2, 3]) should be 6"
### BEGIN HIDDEN TESTS
assert total([]) == 0
assert isinstance(total([5]), int)
### END HIDDEN TESTS
"""


def notebook() -> NotebookNode:
    """The source notebook (solutions and hidden tests)."""
    return a.notebook(
        [
            a.markdown("# 00 · Grading demo\n\nA synthetic notebook for the grader's tests."),
            a.readonly(SETUP, "setup"),
            a.markdown("## Exercise 1\n\nWrite `add`."),
            a.solution(ADD, "add"),
            a.tests(ADD_TESTS, "add-tests", POINTS["add-tests"]),
            a.markdown("## Exercise 2\n\nWrite `check_year`."),
            a.solution(YEAR, "year"),
            a.tests(YEAR_TESTS, "year-tests", POINTS["year-tests"]),
            a.markdown("## Exercise 3\n\nWrite `MemberCreate`."),
            a.solution(MEMBER, "member"),
            a.tests(MEMBER_TESTS, "member-tests", POINTS["member-tests"]),
            a.markdown("## Exercise 4\n\nWrite `total`."),
            a.solution(TOTAL, "total"),
            a.tests(TOTAL_TESTS, "total-tests", POINTS["total-tests"]),
        ]
    )


def write_source(root: Path) -> Path:
    """Write the source notebook under ``root/solutions``; returns its path."""
    path = root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    a.write(notebook(), path)
    return path
