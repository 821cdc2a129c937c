# workspace: tests/test_reservations.py
# Another style: one helper sets the scene, and tests read the statuses back.
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.clock import FixedClock
from lending.errors import (
    AlreadyBorrowed,
    CopyAvailable,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
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

    @staticmethod
    async def lent_out(make: Factories, lending: ReservingLendingService) -> tuple[int, int, int]:
        """A book whose one copy is lent: (holder id, book id, loan id)."""
        holder, book = await make.member(), await make.book(copies=1)
        loan = await lending.borrow(holder.id, book.id)
        return holder.id, book.id, loan.id

    @staticmethod
    async def statuses(reservations: ReservationService, *ids: int) -> list[str]:
        return [str((await reservations.get(i)).status) for i in ids]

    @pytest.mark.parametrize("copies", [1, 3])
    async def test_no_reservation_while_a_copy_is_on_the_shelf(
        self, queue: Queue, make: Factories, copies: int
    ) -> None:
        member, book = await make.member(), await make.book(copies=copies)
        with pytest.raises(CopyAvailable):
            await queue[1].reserve(member.id, book.id)

    async def test_first_come_first_served(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        _, book, loan = await self.lent_out(make, lending)
        ids = [(await reservations.reserve((await make.member()).id, book)).id for _ in range(3)]
        await lending.return_loan(loan)
        assert await self.statuses(reservations, *ids) == ["ready", "waiting", "waiting"]

    async def test_cancelled_is_skipped(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        _, book, loan = await self.lent_out(make, lending)
        a = await reservations.reserve((await make.member()).id, book)
        b = await reservations.reserve((await make.member()).id, book)
        await reservations.cancel(a.id)
        await lending.return_loan(loan)
        assert await self.statuses(reservations, a.id, b.id) == ["cancelled", "ready"]

    async def test_cancelling_a_ready_one_hands_the_copy_on(
        self, queue: Queue, make: Factories
    ) -> None:
        lending, reservations = queue
        holder, book, loan = await self.lent_out(make, lending)
        a = await reservations.reserve((await make.member()).id, book)
        b = await reservations.reserve((await make.member()).id, book)
        await lending.return_loan(loan)
        await reservations.cancel(a.id)
        assert await self.statuses(reservations, a.id, b.id) == ["cancelled", "ready"]
        await reservations.cancel(b.id)
        again = await lending.borrow(holder, book)
        assert again.member_id == holder

    async def test_a_second_return_changes_nothing(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        _, book, loan = await self.lent_out(make, lending)
        a = await reservations.reserve((await make.member()).id, book)
        b = await reservations.reserve((await make.member()).id, book)
        for _ in range(2):
            await lending.return_loan(loan)
        assert await self.statuses(reservations, a.id, b.id) == ["ready", "waiting"]

    async def test_who_may_not_reserve(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        holder, book, _ = await self.lent_out(make, lending)
        with pytest.raises(AlreadyBorrowed):
            await reservations.reserve(holder, book)
        with pytest.raises(MemberInactive):
            await reservations.reserve((await make.member(active=False)).id, book)

    async def test_collecting_respects_the_loan_limit(self, queue: Queue, make: Factories) -> None:
        lending, reservations = queue
        _, book, loan = await self.lent_out(make, lending)
        member = await make.member(max_loans=1)
        mine = await reservations.reserve(member.id, book)
        await lending.borrow(member.id, (await make.book()).id)
        await lending.return_loan(loan)
        with pytest.raises(LoanLimitReached):
            await reservations.collect(mine.id)
