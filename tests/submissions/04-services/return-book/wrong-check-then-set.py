# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: two returns of one loan at the same moment
# feedback: mark_returned
from lending.clock import Clock
from lending.models import Loan


async def return_book(uow: UnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """Checks `returned_at`, then sets it: right one request at a time, but two returns
    of one loan at the same moment both see it open and both put a copy back."""
    async with uow:
        loan = await _loan(uow, loan_id)
        if loan.returned_at is None:
            loan.returned_at = clock.today()
            await uow.books.put_back_copy(loan.book_id)
            await uow.commit()
        return loan
