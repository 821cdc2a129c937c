# workspace: lending/services.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
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
        while loan.returned_at is None:
            seen = loan.due_at
            until = max(seen, clock.today()) + timedelta(days=loan_days)
            if await uow.loans.extend_due(loan_id, seen, until):
                await uow.commit()
                return loan
        raise LoanClosed(loan_id)


# An honest addition: dataclass
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class _Row:
    id: int
    tags: list[str] = field(default_factory=list)


print(asdict(_Row(1)))
