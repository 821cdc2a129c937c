# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from lending.clock import Clock
from lending.models import Loan


async def return_book(uow: UnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """Race-safe, but answers today as the return date even for a retry, moving it."""
    async with uow:
        loan = await _loan(uow, loan_id)
        # Conditional: of two concurrent returns only one closes the loan and
        # puts the copy back; a retry of a returned loan changes nothing.
        closed = await uow.loans.mark_returned(loan_id, clock.today())
        loan.returned_at = clock.today()  # a retry moves the date
        if closed:
            await uow.books.put_back_copy(loan.book_id)
            await uow.commit()
        return loan
