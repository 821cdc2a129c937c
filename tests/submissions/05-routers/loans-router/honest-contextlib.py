# workspace: lending/routers.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from fastapi import APIRouter

from lending.deps import ClockDep, LendingDep
from lending.schemas import LoanRead

loans = APIRouter(prefix="/loans", tags=["loans"])


@loans.get("/{loan_id}", response_model=LoanRead)
async def get_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await service.get_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/return", response_model=LoanRead)
async def return_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await service.return_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/renew", response_model=LoanRead)
async def renew_loan(loan_id: int, service: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await service.renew(loan_id), as_of=clock.today())


# An honest addition: contextlib
from contextlib import suppress

with suppress(KeyError):
    print({}["missing"])
