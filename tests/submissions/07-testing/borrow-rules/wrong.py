# workspace: tests/test_lending.py
from lending.services import LendingService
from lending.testing import Factories


class TestBorrowRules:
    """Only what may happen; no refusal is tested."""

    async def test_two_different_books(self, lending: LendingService, make: Factories) -> None:
        member = await make.member()
        await lending.borrow(member.id, (await make.book()).id)
        loan = await lending.borrow(member.id, (await make.book()).id)
        assert loan.member_id == member.id
