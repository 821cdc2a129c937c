# workspace: tests/test_lending.py
import pytest

from lending.errors import MemberInactive
from lending.services import LendingService
from lending.testing import Factories


class TestBorrowRules:
    """Aimed at the two visible bugs only."""

    async def test_an_inactive_member_is_refused(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member(active=False)
        with pytest.raises(MemberInactive):
            await lending.borrow(member.id, (await make.book()).id)

    async def test_a_returned_book_can_be_borrowed_again(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, book = await make.member(), await make.book()
        loan = await lending.borrow(member.id, book.id)
        await lending.return_loan(loan.id)
        await lending.borrow(member.id, book.id)
