# workspace: lending/services.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from lending.clock import Clock
from lending.models import Loan


async def return_book(uow: UnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """The loan, returned today; returning it again changes nothing (safe to retry)."""
    async with uow:
        loan = await _loan(uow, loan_id)
        # Conditional: of two concurrent returns only one closes the loan and
        # puts the copy back; a retry of a returned loan changes nothing.
        if await uow.loans.mark_returned(loan_id, clock.today()):
            await uow.books.put_back_copy(loan.book_id)
            await uow.commit()
        return loan


# An honest addition: logging
import logging

logger = logging.getLogger(__name__)
logger.info("defined the answer")
