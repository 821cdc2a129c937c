# workspace: tests/test_lending.py
from lending.services import LendingService
from lending.testing import Factories


class TestLoanLimit:
    """Calls the code and asserts nothing."""

    async def test_borrowing(self, lending: LendingService, make: Factories) -> None:
        member = await make.member(max_loans=1)
        await lending.borrow(member.id, (await make.book()).id)
        assert True
