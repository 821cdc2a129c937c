# workspace: lending/services.py
# The loan falls due loan_days after the reservation, not after the collection.
# feedback: due_at
from datetime import timedelta

from lending.clock import Clock
from lending.errors import (
    AlreadyBorrowed,
    LoanLimitReached,
    MemberInactive,
    NotFound,
    ReservationNotReady,
)
from lending.models import Loan
from lending.repositories import DuplicateError
from lending.schemas import ReservationStatus
from lending.services import (
    LOAN_DAYS,
    ReservingUnitOfWork,
    _loan,
    _reservation,
    hand_on_copy,
)


async def return_book_to_queue(uow: ReservingUnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """The loan, returned today; its copy goes to the first in line, if anyone waits."""
    async with uow:
        loan = await _loan(uow, loan_id)
        if await uow.loans.mark_returned(loan_id, clock.today()):
            await uow.reservations.lock_queue(loan.book_id)
            await hand_on_copy(uow, clock, loan.book_id)
            await uow.commit()
        return loan


async def collect_reservation(
    uow: ReservingUnitOfWork, clock: Clock, reservation_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """The held copy of a ready reservation, lent to its member from today."""
    async with uow:
        reservation = await _reservation(uow, reservation_id)
        member_id, book_id = reservation.member_id, reservation.book_id
        member = await uow.members.get_for_update(member_id)
        if member is None:
            raise NotFound("member", member_id)
        if reservation.status != ReservationStatus.READY:
            raise ReservationNotReady(reservation_id, reservation.status)
        if not member.active:
            raise MemberInactive(member_id)
        if await uow.loans.find_open(member_id, book_id) is not None:
            raise AlreadyBorrowed(member_id, book_id)
        if await uow.loans.count_open(member_id) >= member.max_loans:
            raise LoanLimitReached(member_id, member.max_loans)
        if not await uow.reservations.change_status(
            reservation_id, ReservationStatus.READY, ReservationStatus.FULFILLED
        ):
            raise ReservationNotReady(reservation_id, reservation.status)
        today = clock.today()
        loan = Loan(
            member_id=member_id,
            book_id=book_id,
            borrowed_at=today,
            due_at=reservation.reserved_at + timedelta(days=loan_days),
        )
        try:
            await uow.loans.add(loan)
        except DuplicateError:
            raise AlreadyBorrowed(member_id, book_id) from None
        await uow.commit()
        return loan
    ### END SOLUTION
