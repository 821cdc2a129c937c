"""Reservations (notebook 11): the repository's contract, the service's rules, the races.

The repository contract and the rules run on the in-memory fake and on the real unit
of work, on SQLite and on PostgreSQL (``reserving``): the fake is what a fast service
test uses, and the database proves it tells the truth. The races need sessions with
connections of their own: a SQLite file, and PostgreSQL (``file_engine``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lending_reference.clock import FixedClock
from lending_reference.db import DEFAULT_URL, create_schema, make_engine, make_session_factory
from lending_reference.errors import (
    AlreadyBorrowed,
    AlreadyReserved,
    CopyAvailable,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
    NotFound,
    ReservationClosed,
    ReservationNotReady,
)
from lending_reference.models import Book, Loan, Member, Reservation
from lending_reference.repositories import DuplicateError
from lending_reference.schemas import MemberUpdate, ReservationRead, ReservationStatus
from lending_reference.services import (
    InMemoryReservingUnitOfWork,
    ReservationService,
    ReservingLendingService,
    ReservingUnitOfWork,
    SqlReservingUnitOfWork,
)

from .conftest import DATABASES, TODAY, Library, _url

pytestmark = pytest.mark.anyio

WAITING, READY = ReservationStatus.WAITING, ReservationStatus.READY
FULFILLED, CANCELLED = ReservationStatus.FULFILLED, ReservationStatus.CANCELLED


@dataclass
class Queue(Library):
    """The library's services with reservations, on one reserving unit of work."""

    uow: ReservingUnitOfWork

    @property
    def lending(self) -> ReservingLendingService:
        return ReservingLendingService(self.uow, self.clock, loan_days=self.loan_days)

    @property
    def reservations(self) -> ReservationService:
        return ReservationService(self.uow, self.clock, loan_days=self.loan_days)

    async def lent_out(self, copies: int = 1) -> tuple[Book, list[Loan]]:
        """A book whose every copy is on loan, each to a member of its own."""
        book = await self.book(copies=copies)
        loans = [
            await self.lending.borrow((await self.member()).id, book.id) for _ in range(copies)
        ]
        return book, loans

    async def copies_available(self, book_id: int) -> int:
        return (await self.catalogue.get_book(book_id)).copies_available

    async def statuses(self, member_id: int) -> list[str]:
        return [r.status for r in await self.reservations.reservations_of(member_id)]


@pytest.fixture(params=["memory", *DATABASES])
async def reserving(request: pytest.FixtureRequest) -> AsyncIterator[ReservingUnitOfWork]:
    """The fake, or the real reserving unit of work over an empty database."""
    if request.param == "memory":
        yield InMemoryReservingUnitOfWork()
        return
    engine = make_engine(await _url(request, DEFAULT_URL))
    try:
        await create_schema(engine)
        yield SqlReservingUnitOfWork(make_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def queue(reserving: ReservingUnitOfWork, clock: FixedClock) -> Queue:
    return Queue(reserving, clock)


# --- The contract: schemas and repository -----------------------------------------------


def test_a_reservation_reads_its_status_and_whether_it_is_active() -> None:
    stored = Reservation(member_id=1, book_id=2, reserved_at=TODAY, status="ready")
    stored.id = 7
    read = ReservationRead.model_validate(stored)

    assert (read.id, read.status, read.ready_at, read.is_active) == (7, READY, None, True)
    assert ReservationRead.model_validate(
        {**read.model_dump(), "status": "fulfilled"}
    ).is_active is (False)
    assert read.model_dump(mode="json")["status"] == "ready"


async def test_the_queue_is_first_come_first_served(queue: Queue, clock: FixedClock) -> None:
    book, _ = await queue.lent_out()
    late, early, earliest = [await queue.member() for _ in range(3)]
    clock.advance(2)
    await queue.reservations.reserve(late.id, book.id)
    clock.advance(-1)
    await queue.reservations.reserve(early.id, book.id)
    clock.advance(-1)
    await queue.reservations.reserve(earliest.id, book.id)

    async with queue.uow:
        waiting = await queue.uow.reservations.queue(book.id)
    assert [r.member_id for r in waiting] == [earliest.id, early.id, late.id]


async def test_the_repository_refuses_a_second_active_reservation(queue: Queue) -> None:
    book, _ = await queue.lent_out()
    member = await queue.member()
    uow = queue.uow
    async with uow:
        await uow.reservations.add(
            Reservation(member_id=member.id, book_id=book.id, reserved_at=TODAY)
        )
        await uow.commit()
    async with uow:
        with pytest.raises(DuplicateError):
            await uow.reservations.add(
                Reservation(member_id=member.id, book_id=book.id, reserved_at=TODAY)
            )
    async with uow:  # a closed one does not count: history is kept
        await uow.reservations.add(
            Reservation(member_id=member.id, book_id=book.id, reserved_at=TODAY, status="cancelled")
        )
        await uow.commit()
        assert len(await uow.reservations.list_for_member(member.id)) == 2
        assert len(await uow.reservations.list_for_member(member.id, active_only=True)) == 1


async def test_a_status_changes_only_from_the_one_expected(queue: Queue) -> None:
    book, _ = await queue.lent_out()
    member = await queue.member()
    reservation = await queue.reservations.reserve(member.id, book.id)
    uow = queue.uow
    async with uow:
        assert not await uow.reservations.change_status(reservation.id, READY, FULFILLED)
        assert await uow.reservations.change_status(reservation.id, WAITING, CANCELLED)
        assert not await uow.reservations.change_status(reservation.id, WAITING, CANCELLED)
        assert await uow.reservations.hold_next(book.id, TODAY) is None
        await uow.commit()
    assert (await queue.reservations.get(reservation.id)).status == CANCELLED


# --- The rules ---------------------------------------------------------------------------


async def test_reserve_a_book_with_no_copy_left(queue: Queue) -> None:
    book, _ = await queue.lent_out()
    member = await queue.member()

    reservation = await queue.reservations.reserve(member.id, book.id)

    assert (reservation.member_id, reservation.book_id) == (member.id, book.id)
    assert (reservation.reserved_at, reservation.status, reservation.ready_at) == (
        TODAY,
        WAITING,
        None,
    )
    assert await queue.reservations.get(reservation.id) == reservation


async def test_a_book_on_the_shelf_is_borrowed_not_reserved(queue: Queue) -> None:
    book, _ = await queue.lent_out(copies=1)
    other = await queue.book("Dawn", copies=2)
    await queue.lending.borrow((await queue.member()).id, other.id)  # one copy left
    member = await queue.member()

    with pytest.raises(CopyAvailable):
        await queue.reservations.reserve(member.id, other.id)
    await queue.reservations.reserve(member.id, book.id)  # none left: a place in the queue


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("twice", AlreadyReserved),
        ("holding it", AlreadyBorrowed),
        ("inactive", MemberInactive),
        ("unknown book", NotFound),
        ("unknown member", NotFound),
    ],
)
async def test_who_cannot_reserve(queue: Queue, case: str, error: type[Exception]) -> None:
    book, (loan,) = await queue.lent_out()
    member_id, book_id = (await queue.member()).id, book.id
    if case == "twice":
        await queue.reservations.reserve(member_id, book_id)
    elif case == "holding it":
        member_id = loan.member_id
    elif case == "inactive":
        await queue.members.update(member_id, MemberUpdate(active=False))
    elif case == "unknown book":
        book_id = 999
    else:
        member_id = 999

    with pytest.raises(error):
        await queue.reservations.reserve(member_id, book_id)
    assert await queue.statuses(loan.member_id) == []


async def test_a_return_holds_the_copy_for_the_first_in_line(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    first, second = await queue.member(), await queue.member()
    await queue.reservations.reserve(first.id, book.id)
    await queue.reservations.reserve(second.id, book.id)
    queue.clock.advance(3)

    await queue.lending.return_loan(loan.id)

    assert await queue.copies_available(book.id) == 0, "held, not back on the shelf"
    (ready,) = await queue.reservations.reservations_of(first.id)
    assert (ready.status, ready.ready_at) == (READY, TODAY + timedelta(days=3))
    assert await queue.statuses(second.id) == [WAITING]
    with pytest.raises(NoCopyAvailable):  # nobody else can borrow it
        await queue.lending.borrow((await queue.member()).id, book.id)


async def test_a_return_with_nobody_waiting_puts_the_copy_back(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    member = await queue.member()
    reservation = await queue.reservations.reserve(member.id, book.id)
    await queue.reservations.cancel(reservation.id)

    await queue.lending.return_loan(loan.id)
    await queue.lending.return_loan(loan.id)  # a retry changes nothing

    assert await queue.copies_available(book.id) == 1
    assert await queue.statuses(member.id) == [CANCELLED]


async def test_the_ready_member_collects_the_held_copy_as_a_loan(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    member = await queue.member()
    reservation = await queue.reservations.reserve(member.id, book.id)
    await queue.lending.return_loan(loan.id)
    queue.clock.advance(2)

    collected = await queue.reservations.collect(reservation.id)

    today = TODAY + timedelta(days=2)
    assert (collected.member_id, collected.book_id) == (member.id, book.id)
    assert (collected.borrowed_at, collected.due_at) == (today, today + timedelta(days=14))
    assert await queue.copies_available(book.id) == 0, "the held copy, not another one"
    assert await queue.statuses(member.id) == [FULFILLED]
    with pytest.raises(ReservationNotReady):
        await queue.reservations.collect(reservation.id)


async def test_a_waiting_reservation_cannot_be_collected(queue: Queue) -> None:
    book, _ = await queue.lent_out()
    reservation = await queue.reservations.reserve((await queue.member()).id, book.id)

    with pytest.raises(ReservationNotReady):
        await queue.reservations.collect(reservation.id)
    assert (await queue.reservations.get(reservation.id)).status == WAITING


@pytest.mark.parametrize(
    ("case", "error"), [("inactive", MemberInactive), ("limit", LoanLimitReached)]
)
async def test_collecting_follows_the_borrowing_rules(
    queue: Queue, case: str, error: type[Exception]
) -> None:
    book, (loan,) = await queue.lent_out()
    member = await queue.member(max_loans=1)
    reservation = await queue.reservations.reserve(member.id, book.id)
    await queue.lending.return_loan(loan.id)
    if case == "inactive":
        await queue.members.update(member.id, MemberUpdate(active=False))
    else:
        await queue.lending.borrow(member.id, (await queue.book("Other")).id)

    with pytest.raises(error):
        await queue.reservations.collect(reservation.id)
    assert await queue.statuses(member.id) == [READY], "still held for them"
    assert await queue.copies_available(book.id) == 0


async def test_collecting_at_the_limit_boundary_is_allowed(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    member = await queue.member(max_loans=2)
    await queue.lending.borrow(member.id, (await queue.book("Other")).id)  # one below the limit
    reservation = await queue.reservations.reserve(member.id, book.id)
    await queue.lending.return_loan(loan.id)

    await queue.reservations.collect(reservation.id)
    assert len(await queue.lending.loans_of(member.id, open_only=True)) == 2


async def test_cancelling_a_waiting_reservation_leaves_the_queue(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    first, second = await queue.member(), await queue.member()
    cancelled = await queue.reservations.reserve(first.id, book.id)
    await queue.reservations.reserve(second.id, book.id)

    assert (await queue.reservations.cancel(cancelled.id)).status == CANCELLED
    await queue.lending.return_loan(loan.id)

    assert await queue.statuses(second.id) == [READY]
    with pytest.raises(ReservationClosed):
        await queue.reservations.cancel(cancelled.id)


async def test_cancelling_a_ready_reservation_passes_the_copy_on(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    first, second = await queue.member(), await queue.member()
    held = await queue.reservations.reserve(first.id, book.id)
    await queue.reservations.reserve(second.id, book.id)
    await queue.lending.return_loan(loan.id)

    await queue.reservations.cancel(held.id)

    assert await queue.statuses(second.id) == [READY]
    assert await queue.copies_available(book.id) == 0


async def test_cancelling_the_last_ready_reservation_puts_the_copy_back(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    held = await queue.reservations.reserve((await queue.member()).id, book.id)
    await queue.lending.return_loan(loan.id)

    await queue.reservations.cancel(held.id)

    assert await queue.copies_available(book.id) == 1
    await queue.lending.borrow((await queue.member()).id, book.id)  # on the shelf again


async def test_a_fulfilled_reservation_cannot_be_cancelled(queue: Queue) -> None:
    book, (loan,) = await queue.lent_out()
    held = await queue.reservations.reserve((await queue.member()).id, book.id)
    await queue.lending.return_loan(loan.id)
    await queue.reservations.collect(held.id)

    with pytest.raises(ReservationClosed):
        await queue.reservations.cancel(held.id)
    assert await queue.copies_available(book.id) == 0


@pytest.mark.parametrize(
    "action",
    [
        lambda q: q.reservations.cancel(999),
        lambda q: q.reservations.collect(999),
        lambda q: q.reservations.get(999),
        lambda q: q.reservations.reservations_of(999),
    ],
)
async def test_unknown_ids_are_not_found(
    queue: Queue, action: Callable[[Queue], Awaitable[object]]
) -> None:
    with pytest.raises(NotFound):
        await action(queue)


# --- Races: one session per task, on a SQLite file and on PostgreSQL -------------------------


@pytest.fixture
def racing(file_engine: AsyncEngine, clock: FixedClock) -> Queue:
    return Queue(SqlReservingUnitOfWork(make_session_factory(file_engine)), clock)


def services(queue: Queue) -> tuple[ReservingLendingService, ReservationService]:
    """Fresh services on a unit of work of their own: one session per task."""
    assert isinstance(queue.uow, SqlReservingUnitOfWork)
    uow = SqlReservingUnitOfWork(queue.uow.session_factory)
    return (
        ReservingLendingService(uow, queue.clock),
        ReservationService(uow, queue.clock),
    )


async def table(factory: async_sessionmaker[AsyncSession]) -> tuple[list[Book], list[Reservation]]:
    async with factory() as session:
        books = list(await session.scalars(select(Book).order_by(Book.id)))
        reservations = list(await session.scalars(select(Reservation).order_by(Reservation.id)))
        return books, reservations


async def test_two_returns_and_two_queued_members_each_get_one_copy(racing: Queue) -> None:
    """Both returns read their loans before either writes (a barrier): the race, made sure."""
    book, loans = await racing.lent_out(copies=2)
    first, second = await racing.member(), await racing.member()
    await racing.reservations.reserve(first.id, book.id)
    await racing.reservations.reserve(second.id, book.id)

    both_read = asyncio.Barrier(2)

    async def return_after_both_read(loan_id: int) -> Loan:
        lending, _ = services(racing)
        async with lending.uow:
            await lending.uow.loans.get(loan_id)
            await both_read.wait()
        return await lending.return_loan(loan_id)

    async with asyncio.timeout(20):
        await asyncio.gather(*(return_after_both_read(loan.id) for loan in loans))

    assert isinstance(racing.uow, SqlReservingUnitOfWork)
    (stored,), reservations = await table(racing.uow.session_factory)
    assert stored.copies_available == 0, "both copies held, neither on the shelf"
    assert sorted((r.member_id, r.status) for r in reservations) == [
        (first.id, READY),
        (second.id, READY),
    ]
    for reservation in reservations:
        await racing.reservations.collect(reservation.id)
    (stored,), _ = await table(racing.uow.session_factory)
    assert stored.copies_available == 0


async def test_many_returns_and_cancellations_at_once_lose_no_copy(racing: Queue) -> None:
    """Five copies come back while five of ten queued members cancel: every copy ends held
    for a waiting member or on the shelf, never twice, never lost."""
    book, loans = await racing.lent_out(copies=5)
    members = [await racing.member() for _ in range(10)]
    queued = [await racing.reservations.reserve(m.id, book.id) for m in members]

    async def give_back(loan_id: int) -> object:
        return await services(racing)[0].return_loan(loan_id)

    async def cancel(reservation_id: int) -> object:
        return await services(racing)[1].cancel(reservation_id)

    async with asyncio.timeout(30):
        results = await asyncio.gather(
            *(give_back(loan.id) for loan in loans),
            *(cancel(r.id) for r in queued[::2]),
            return_exceptions=True,
        )

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert isinstance(racing.uow, SqlReservingUnitOfWork)
    (stored,), reservations = await table(racing.uow.session_factory)
    statuses = {r.member_id: r.status for r in reservations}
    assert [statuses[m.id] for m in members[::2]] == [CANCELLED] * 5
    assert [statuses[m.id] for m in members[1::2]] == [READY] * 5, "one copy each"
    assert stored.copies_available == 0


async def test_fifty_concurrent_reservations_and_collections_keep_copies_in_bounds(
    racing: Queue,
) -> None:
    """Twenty-five members reserve twice each, all at once: one reservation each. Then each
    ready one is collected twice at once: one loan each (the other attempt is refused, as
    not ready or as already borrowed, whichever it saw first), availability in bounds."""
    book, loans = await racing.lent_out(copies=2)
    members = [await racing.member() for _ in range(25)]

    async def reserve(member: Member) -> object:
        return await services(racing)[1].reserve(member.id, book.id)

    async with asyncio.timeout(60):
        reserved = await asyncio.gather(
            *(reserve(m) for m in members + members), return_exceptions=True
        )
    kinds = sorted(type(r).__name__ for r in reserved)
    assert kinds == ["AlreadyReserved"] * 25 + ["Reservation"] * 25

    for loan in loans:
        await racing.lending.return_loan(loan.id)
    assert isinstance(racing.uow, SqlReservingUnitOfWork)
    _, reservations = await table(racing.uow.session_factory)
    ready = [r for r in reservations if r.status == READY]
    assert len(ready) == 2

    async def collect(reservation_id: int) -> object:
        return await services(racing)[1].collect(reservation_id)

    async with asyncio.timeout(60):
        collected = await asyncio.gather(
            *(collect(r.id) for r in ready + ready), return_exceptions=True
        )
    loans_made = [r for r in collected if isinstance(r, Loan)]
    refused = [r for r in collected if isinstance(r, ReservationNotReady | AlreadyBorrowed)]
    assert (len(loans_made), len(refused)) == (2, 2)
    assert sorted(loan.member_id for loan in loans_made) == sorted(r.member_id for r in ready)
    (stored,), _ = await table(racing.uow.session_factory)
    assert stored.copies_available == 0
