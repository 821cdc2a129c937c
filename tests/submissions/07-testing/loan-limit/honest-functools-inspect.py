# workspace: tests/test_lending.py
# ruff: noqa: E402 (the idiom follows the reference answer)
import pytest

from lending.errors import LoanLimitReached
from lending.services import LendingService
from lending.testing import Factories


class TestLoanLimit:
    """A member may hold at most `max_loans` open loans."""

    @pytest.mark.parametrize("limit", [1, 2, 4])
    async def test_a_member_borrows_up_to_the_limit_and_no_more(
        self, lending: LendingService, make: Factories, limit: int
    ) -> None:
        member = await make.member(max_loans=limit)
        for _ in range(limit):
            await lending.borrow(member.id, (await make.book()).id)
        with pytest.raises(LoanLimitReached):
            await lending.borrow(member.id, (await make.book()).id)

    async def test_a_returned_loan_no_longer_counts(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member(max_loans=1)
        loan = await lending.borrow(member.id, (await make.book()).id)
        await lending.return_loan(loan.id)
        again = await lending.borrow(member.id, (await make.book()).id)
        assert again.returned_at is None

    async def test_other_members_loans_do_not_count(
        self, lending: LendingService, make: Factories
    ) -> None:
        first, second = await make.member(max_loans=1), await make.member(max_loans=1)
        await lending.borrow(first.id, (await make.book()).id)
        loan = await lending.borrow(second.id, (await make.book()).id)
        assert loan.member_id == second.id

    async def test_the_limit_is_checked_before_availability(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, other = await make.member(max_loans=1), await make.member()
        await lending.borrow(member.id, (await make.book()).id)
        taken = await make.book(copies=1)
        await lending.borrow(other.id, taken.id)
        with pytest.raises(LoanLimitReached):
            await lending.borrow(member.id, taken.id)


# An honest addition: functools-inspect
import functools
import inspect

quiet_print = functools.partial(print, sep=" ")
quiet_print("parameters:", len(inspect.signature(quiet_print).parameters) >= 0)
