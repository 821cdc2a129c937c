# workspace: tests/test_lending.py
from lending.services import CatalogueService, LendingService
from lending.testing import TODAY, Factories


class TestReturn:
    """One return, checked; the second return is never tried."""

    async def test_a_return(
        self, lending: LendingService, catalogue: CatalogueService, make: Factories
    ) -> None:
        book = await make.book()
        loan = await lending.borrow((await make.member()).id, book.id)
        returned = await lending.return_loan(loan.id)
        assert returned.returned_at == TODAY
        assert (await catalogue.get_book(book.id)).copies_available == 1
