# workspace: lending/routers.py
# feedback: clock.today()
from fastapi import APIRouter

from lending.deps import LendingDep
from lending.schemas import LoanRead

loans = APIRouter(prefix="/loans", tags=["loans"])


# Judged on the day the book was borrowed, a loan is never overdue.
@loans.get("/{loan_id}", response_model=LoanRead)
async def get_loan(loan_id: int, service: LendingDep) -> LoanRead:
    loan = await service.get_loan(loan_id)
    return LoanRead.from_loan(loan, as_of=loan.borrowed_at)


@loans.post("/{loan_id}/return", response_model=LoanRead)
async def return_loan(loan_id: int, service: LendingDep) -> LoanRead:
    loan = await service.return_loan(loan_id)
    return LoanRead.from_loan(loan, as_of=loan.borrowed_at)


@loans.post("/{loan_id}/renew", response_model=LoanRead)
async def renew_loan(loan_id: int, service: LendingDep) -> LoanRead:
    loan = await service.renew(loan_id)
    return LoanRead.from_loan(loan, as_of=loan.borrowed_at)
