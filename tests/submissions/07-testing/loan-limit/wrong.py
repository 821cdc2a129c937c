# workspace: tests/test_lending.py
from lending.services import LendingService
from lending.testing import Factories


class TestLoanLimit:
    """Only the happy path: a member below the limit can borrow."""

    async def test_a_member_can_borrow(self, lending: LendingService, make: Factories) -> None:
        member = await make.member(max_loans=2)
        loan = await lending.borrow(member.id, (await make.book()).id)
        assert loan.member_id == member.id
