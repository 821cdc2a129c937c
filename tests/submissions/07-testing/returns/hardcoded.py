# workspace: tests/test_lending.py
from lending.clock import FixedClock
from lending.services import CatalogueService, LendingService
from lending.testing import Factories


class TestReturn:
    """Aimed at the two visible bugs only: copies, and a second return."""

    async def test_returning_twice(
        self,
        lending: LendingService,
        catalogue: CatalogueService,
        make: Factories,
        clock: FixedClock,
    ) -> None:
        book = await make.book(copies=2)
        loan = await lending.borrow((await make.member()).id, book.id)
        await lending.borrow((await make.member()).id, book.id)
        await lending.return_loan(loan.id)
        assert (await catalogue.get_book(book.id)).copies_available == 1
        await lending.return_loan(loan.id)
        assert (await catalogue.get_book(book.id)).copies_available == 1
