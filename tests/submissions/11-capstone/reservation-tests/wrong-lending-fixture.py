# workspace: tests/test_reservations.py
# Notebook 07's habit: `lending` from the kit, the reservations built beside it. Its return
# puts the copy on the shelf, so the tests fail against the correct service.
# feedback: takes the fixture `lending`
# feedback: lending, reservations = queue
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.clock import FixedClock
from lending.errors import CopyAvailable, NoCopyAvailable, ReservationNotReady
from lending.services import (
    LendingService,
    ReservationService,
    ReservingLendingService,
    SqlReservingUnitOfWork,
)
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
        self, lending: LendingService, queue: Queue, make: Factories
    ) -> None:
        _, reservations = queue
        holder, first, other = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        waiting = await reservations.reserve(first.id, book.id)
        await lending.return_loan(loan.id)
        with pytest.raises(NoCopyAvailable):
            await lending.borrow(other.id, book.id)
        collected = await reservations.collect(waiting.id)
        assert (collected.member_id, collected.book_id) == (first.id, book.id)

    async def test_a_book_on_the_shelf_is_borrowed_not_reserved(
        self, queue: Queue, make: Factories
    ) -> None:
        _, reservations = queue
        member, book = await make.member(), await make.book(copies=1)
        with pytest.raises(CopyAvailable):
            await reservations.reserve(member.id, book.id)

    async def test_the_queue_is_served_first_come_first_served(
        self, lending: LendingService, queue: Queue, make: Factories
    ) -> None:
        _, reservations = queue
        holder, first, second = await make.member(), await make.member(), await make.member()
        book = await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        early = await reservations.reserve(first.id, book.id)
        late = await reservations.reserve(second.id, book.id)
        await lending.return_loan(loan.id)
        with pytest.raises(ReservationNotReady):
            await reservations.collect(late.id)
        assert (await reservations.collect(early.id)).member_id == first.id
