# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: counts from the current due date
from datetime import timedelta

from lending.clock import Clock
from lending.errors import LoanClosed
from lending.models import Loan


async def renew_loan(
    uow: UnitOfWork, clock: Clock, loan_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """Counts the new period from today, always: renewing early costs the member the
    days that were left."""
    async with uow:
        loan = await _loan(uow, loan_id)
        if loan.returned_at is not None:
            raise LoanClosed(loan_id)
        loan.due_at = clock.today() + timedelta(days=loan_days)
        await uow.commit()
        return loan
