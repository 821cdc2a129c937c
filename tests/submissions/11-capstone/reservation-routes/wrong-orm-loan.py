# workspace: lending/routers.py
# The ORM loan returned as it is: the response model refuses it, a 500.
# feedback: LoanRead.from_loan
from fastapi import Request, Response, status

from lending.deps import ClockDep, ReservationsDep
from lending.problems import problem_responses
from lending.routers import SIGNED_IN, OwnReservationId, reservations
from lending.schemas import LoanRead


@reservations.delete(
    "/reservations/{reservation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def delete_reservation(reservation_id: OwnReservationId, service: ReservationsDep) -> None:
    await service.cancel(reservation_id)


@reservations.post(
    "/reservations/{reservation_id}/loan",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanRead,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def collect_reserved_copy(
    reservation_id: OwnReservationId,
    service: ReservationsDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    loan = await service.collect(reservation_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return loan  # type: ignore[return-value]


### END SOLUTION
