# workspace: lending/routers.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lending.deps import ClockDep, LendingDep, MemberServiceDep
from lending.models import Member
from lending.problems import problem_responses
from lending.schemas import LoanRead, MemberCreate, MemberRead, MemberUpdate


class BorrowRequest(BaseModel):
    """The body of `POST /members/{member_id}/loans`: the server sets the dates."""

    model_config = ConfigDict(extra="forbid")

    book_id: int = Field(gt=0, le=MAX_ID)


members = APIRouter(prefix="/members", tags=["members"], responses=ANY_REQUEST)
member_loans = APIRouter(prefix="/members/{member_id}/loans", tags=["loans"], responses=ANY_REQUEST)
loans = APIRouter(prefix="/loans", tags=["loans"], responses=ANY_REQUEST)


@members.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    responses=problem_responses(400, 409),
)
async def register_member(
    data: MemberCreate, service: MemberServiceDep, request: Request, response: Response
) -> Member:
    member = await service.register(data)
    response.headers["Location"] = str(request.url_for("get_member", member_id=member.id))
    return member


@members.get("/{member_id}", response_model=MemberRead, responses=problem_responses(404))
async def get_member(member_id: IdPath, service: MemberServiceDep) -> Member:
    return await service.get(member_id)


@members.patch(
    "/{member_id}", response_model=MemberRead, responses=problem_responses(400, 404, 409)
)
async def update_member(
    member_id: IdPath, changes: MemberUpdate, service: MemberServiceDep
) -> Member:
    return await service.update(member_id, changes)


@member_loans.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanRead,
    responses=problem_responses(400, 404, 409),
)
async def borrow(
    member_id: IdPath,
    body: BorrowRequest,
    lending: LendingDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    loan = await lending.borrow(member_id, body.book_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return LoanRead.from_loan(loan, as_of=clock.today())


@member_loans.get("", response_model=list[LoanRead], responses=problem_responses(404))
async def list_member_loans(
    member_id: IdPath, lending: LendingDep, clock: ClockDep, open_only: bool = False
) -> list[LoanRead]:
    today = clock.today()
    found = await lending.loans_of(member_id, open_only=open_only)
    return [LoanRead.from_loan(loan, as_of=today) for loan in found]


@loans.get("/{loan_id}", response_model=LoanRead, responses=problem_responses(404))
async def get_loan(loan_id: IdPath, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.get_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/return", response_model=LoanRead, responses=problem_responses(404))
async def return_loan(loan_id: IdPath, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.return_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/renew", response_model=LoanRead, responses=problem_responses(404, 409))
async def renew_loan(loan_id: IdPath, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.renew(loan_id), as_of=clock.today())


# An honest addition: json-pprint
import json
from pprint import pformat

print(json.dumps({"b": 1, "a": [1, 2]}, sort_keys=True), pformat({"x": 1}))
