# workspace: lending/routers.py
# feedback: never awaited
# feedback: `await`
# passes the coroutine of get_loan on, un-awaited
from fastapi import APIRouter

from lending.deps import ClockDep, LendingDep
from lending.schemas import LoanRead

loans = APIRouter(prefix="/loans", tags=["loans"])


@loans.get("/{loan_id}", response_model=LoanRead)
async def get_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(service.get_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/return", response_model=LoanRead)
async def return_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await service.return_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/renew", response_model=LoanRead)
async def renew_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await service.renew(loan_id), as_of=clock.today())
