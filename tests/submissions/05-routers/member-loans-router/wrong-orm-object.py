# workspace: lending/routers.py
# feedback: ORM object
# feedback: where a schema belongs
# answers the ORM loan, not a LoanRead
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lending.deps import ClockDep, LendingDep
from lending.schemas import LoanRead


class BorrowRequest(BaseModel):
    """The body of `POST /members/{member_id}/loans`: the server sets the dates."""

    model_config = ConfigDict(extra="forbid")

    book_id: int = Field(gt=0)


member_loans = APIRouter(prefix="/members/{member_id}/loans", tags=["loans"])


@member_loans.post("", status_code=status.HTTP_201_CREATED, response_model=LoanRead)
async def borrow(
    member_id: int,
    body: BorrowRequest,
    service: LendingDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    loan = await service.borrow(member_id, body.book_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return loan  # type: ignore[return-value]


@member_loans.get("", response_model=list[LoanRead])
async def list_member_loans(
    member_id: int, service: LendingDep, clock: ClockDep, open_only: bool = False
) -> list[LoanRead]:
    today = clock.today()
    found = await service.loans_of(member_id, open_only=open_only)
    return [LoanRead.from_loan(loan, as_of=today) for loan in found]
