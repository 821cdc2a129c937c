# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: after two renewals at the same moment
# feedback: `loan.due_at` may be stale
# reads the due date, then writes it plus loan_days: of two renewals at the same
# moment, one is lost
from datetime import timedelta

from lending.clock import Clock
from lending.errors import LoanClosed
from lending.models import Loan


async def renew_loan(
    uow: UnitOfWork, clock: Clock, loan_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """The open loan, due `loan_days` later: counted from its due date, or from
    today if it is already overdue. A returned loan cannot be renewed."""
    async with uow:
        loan = await _loan(uow, loan_id)
        if loan.returned_at is not None:
            raise LoanClosed(loan_id)
        loan.due_at = max(loan.due_at, clock.today()) + timedelta(days=loan_days)
        await uow.commit()
        return loan
