# workspace: tests/test_lending.py
import pytest

from lending.errors import LoanLimitReached
from lending.services import LendingService
from lending.testing import Factories


class TestLoanLimit:
    """Aimed at the two visible bugs only: one member, the factory's default limit."""

    async def test_the_fourth_borrow_is_refused(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member()
        for _ in range(3):
            await lending.borrow(member.id, (await make.book()).id)
        with pytest.raises(LoanLimitReached):
            await lending.borrow(member.id, (await make.book()).id)
