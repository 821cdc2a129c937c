# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: put_back_copy
from lending.clock import Clock
from lending.models import Loan


async def return_book(uow: UnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """Closes the loan but never puts the copy back on the shelf."""
    async with uow:
        loan = await _loan(uow, loan_id)
        if await uow.loans.mark_returned(loan_id, clock.today()):
            await uow.commit()
        return loan
