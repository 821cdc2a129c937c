# workspace: tests/test_lending.py
from lending.services import LendingService
from lending.testing import Factories


class TestReturn:
    """Calls the code and asserts nothing."""

    async def test_returning(self, lending: LendingService, make: Factories) -> None:
        loan = await lending.borrow((await make.member()).id, (await make.book()).id)
        await lending.return_loan(loan.id)
        await lending.return_loan(loan.id)
