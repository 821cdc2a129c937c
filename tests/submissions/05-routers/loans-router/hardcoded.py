# workspace: lending/routers.py
from fastapi import APIRouter

from lending.deps import ClockDep, UnitOfWorkDep
from lending.schemas import LoanRead
from lending.services import LendingService

loans = APIRouter(prefix="/loans", tags=["loans"])


# Builds its own service: the loan period is always the default 14 days, whatever the settings.
@loans.get("/{loan_id}", response_model=LoanRead)
async def get_loan(loan_id: int, uow: UnitOfWorkDep, clock: ClockDep) -> LoanRead:
    loan = await LendingService(uow, clock).get_loan(loan_id)
    return LoanRead.from_loan(loan, as_of=clock.today())


@loans.post("/{loan_id}/return", response_model=LoanRead)
async def return_loan(loan_id: int, uow: UnitOfWorkDep, clock: ClockDep) -> LoanRead:
    loan = await LendingService(uow, clock).return_loan(loan_id)
    return LoanRead.from_loan(loan, as_of=clock.today())


@loans.post("/{loan_id}/renew", response_model=LoanRead)
async def renew_loan(loan_id: int, uow: UnitOfWorkDep, clock: ClockDep) -> LoanRead:
    loan = await LendingService(uow, clock).renew(loan_id)
    return LoanRead.from_loan(loan, as_of=clock.today())
