# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from datetime import timedelta

from lending.clock import Clock
from lending.errors import LoanClosed
from lending.models import Loan


async def renew_loan(
    uow: UnitOfWork, clock: Clock, loan_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """Always adds 14 days to the due date: ignores `loan_days`, and gives an overdue
    loan back the days already past."""
    async with uow:
        loan = await _loan(uow, loan_id)
        while loan.returned_at is None:
            seen = loan.due_at
            if await uow.loans.extend_due(loan_id, seen, seen + timedelta(days=14)):
                await uow.commit()
                return loan
        raise LoanClosed(loan_id)
