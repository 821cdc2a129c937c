# workspace: tests/test_reservations.py
# A test of a rule misread: a book on the shelf is borrowed, never reserved.
# Graded, it costs this exercise its points and nothing else: the smoke test (exercise 8)
# runs the package under uvicorn, not its suite, so it keeps its 3 points.
# feedback: passes against the correct service
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.clock import FixedClock
from lending.errors import (
    AlreadyBorrowed,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
    ReservationNotReady,
)
from lending.services import ReservationService, ReservingLendingService, SqlReservingUnitOfWork
from lending.testing import Factories

pytestmark = pytest.mark.anyio
Queue = tuple[ReservingLendingService, ReservationService]


@pytest.fixture
def queue(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Queue:
    uow = SqlReservingUnitOfWork(session_factory)
    return ReservingLendingService(uow, clock), ReservationService(uow, clock)


class TestReservations:
    """The queue's rules, through the services, on a real database."""

    async def test_a_returned_copy_is_held_for_the_first_in_line(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first, other = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        waiting = await reservations.reserve(first.id, book.id)
        await lending.return_loan(loan.id)
        with pytest.raises(NoCopyAvailable):
            await lending.borrow(other.id, book.id)
        collected = await reservations.collect(waiting.id)
        assert (collected.member_id, collected.book_id) == (first.id, book.id)

    async def test_the_queue_is_served_first_come_first_served(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first, second = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        early = await reservations.reserve(first.id, book.id)
        late = await reservations.reserve(second.id, book.id)
        await lending.return_loan(loan.id)
        with pytest.raises(ReservationNotReady):
            await reservations.collect(late.id)
        assert (await reservations.collect(early.id)).member_id == first.id

    async def test_a_cancelled_reservation_is_passed_over(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first, second = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        gone = await reservations.reserve(first.id, book.id)
        waiting = await reservations.reserve(second.id, book.id)
        assert (await reservations.cancel(gone.id)).status == "cancelled"
        await lending.return_loan(loan.id)
        with pytest.raises(ReservationNotReady):
            await reservations.collect(gone.id)
        assert (await reservations.collect(waiting.id)).member_id == second.id

    async def test_cancelling_a_ready_reservation_serves_the_next_in_line(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first, second = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        ready = await reservations.reserve(first.id, book.id)
        waiting = await reservations.reserve(second.id, book.id)
        await lending.return_loan(loan.id)
        await reservations.cancel(ready.id)
        with pytest.raises(NoCopyAvailable):
            await lending.borrow(holder.id, book.id)
        assert (await reservations.collect(waiting.id)).member_id == second.id

    async def test_cancelling_the_last_ready_reservation_puts_the_copy_back(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first = await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        ready = await reservations.reserve(first.id, book.id)
        await lending.return_loan(loan.id)
        await reservations.cancel(ready.id)
        assert (await lending.borrow(holder.id, book.id)).member_id == holder.id

    async def test_returning_a_loan_twice_serves_the_queue_once(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, first, second = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        await reservations.reserve(first.id, book.id)
        late = await reservations.reserve(second.id, book.id)
        await lending.return_loan(loan.id)
        await lending.return_loan(loan.id)
        with pytest.raises(ReservationNotReady):
            await reservations.collect(late.id)

    async def test_a_member_cannot_reserve_a_book_they_hold(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, book = await make.member(), await make.book(copies=1)
        await lending.borrow(holder.id, book.id)
        with pytest.raises(AlreadyBorrowed):
            await reservations.reserve(holder.id, book.id)

    async def test_an_inactive_member_cannot_reserve(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        holder, idle = await make.member(), await make.member(active=False)
        book = await make.book(copies=1)
        await lending.borrow(holder.id, book.id)
        with pytest.raises(MemberInactive):
            await reservations.reserve(idle.id, book.id)

    async def test_collecting_counts_towards_the_loan_limit(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, member = await make.member(), await make.member(max_loans=1)
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        mine = await reservations.reserve(member.id, book.id)
        await lending.borrow(member.id, (await make.book()).id)
        await lending.return_loan(loan.id)
        with pytest.raises(LoanLimitReached):
            await reservations.collect(mine.id)

    async def test_a_book_on_the_shelf_can_be_reserved(self, queue: Queue, make: Factories) -> None:
        _, reservations = queue
        member, book = await make.member(), await make.book(copies=1)
        reservation = await reservations.reserve(member.id, book.id)
        assert reservation.status == "waiting"
