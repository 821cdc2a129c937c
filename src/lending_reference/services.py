"""Reference services layer (notebooks 04, 11): the library's rules and its transactions.

A use case is one unit of work: it opens the unit of work, applies the rules
through the repositories, commits, and returns the saved objects. Nothing is
committed after it returns, so a response is never sent for work that could
still fail. The rules live here and nowhere else:

- a member may hold at most ``max_loans`` open loans, never the same book
  twice at once, and cannot borrow while inactive; the member is locked first,
  so that two borrows by one member count open loans one after the other;
- a book can be borrowed only while a copy is available: the copy is taken by
  one conditional UPDATE, so of two members racing for the last copy exactly
  one wins and availability never drops below zero;
- returning a returned loan changes nothing (safe to retry); renewing one is refused;
  a renewal moves the due date by a conditional UPDATE too, so two at the same moment
  both count, one after the other;
- a unique value (e-mail, ISBN) is looked up first, for the common case, and the
  unique index decides a race: its refusal, at ``add`` or, for an update, at
  ``commit``, becomes the domain's conflict error, never a 500.

The catalogue's use cases are methods of ``CatalogueService``. Those of members
and loans are functions that receive every dependency (``register_member(uow,
data)``, ``borrow_book(uow, clock, member_id, book_id)``); ``MemberService`` and
``LendingService`` bind them to a unit of work (and a clock) for the routes.

Notebook 11 adds reservations, a queue for a book with no copy left
(:class:`ReservationService`), on a unit of work that adds their repository
(:class:`ReservingUnitOfWork`). A copy returned while someone waits is held for the
first in line instead of going back on the shelf (:class:`ReservingLendingService`).
Everything that touches one book's queue locks the book's row first
(``lock_queue``), so two returns and two queued members end with one ready
reservation each, and every status change is a conditional UPDATE.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import Clock
from .errors import (
    AlreadyBorrowed,
    AlreadyReserved,
    BookHasLoans,
    CopyAvailable,
    EmailAlreadyRegistered,
    IsbnAlreadyRegistered,
    LoanClosed,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
    NotFound,
    ReservationClosed,
    ReservationNotReady,
)
from .models import Author, Book, Loan, Member, Reservation
from .repositories import (
    BookRepository,
    DuplicateError,
    InMemoryBookRepository,
    InMemoryLoanRepository,
    InMemoryMemberRepository,
    InMemoryRepository,
    InMemoryReservationRepository,
    LoanRepository,
    MemberRepository,
    ReservationRepository,
    SqlBookRepository,
    SqlLoanRepository,
    SqlMemberRepository,
    SqlRepository,
    SqlReservationRepository,
)
from .schemas import (
    AuthorCreate,
    BookCreate,
    BookFilter,
    BookUpdate,
    MemberCreate,
    MemberUpdate,
    ReservationStatus,
)

LOAN_DAYS = 14


# --- Unit of work -------------------------------------------------------------


class AuthorRepository(Protocol):
    async def get(self, author_id: int) -> Author | None: ...
    async def add(self, author: Author) -> Author: ...


class UnitOfWork(Protocol):
    """One transaction and the repositories that work inside it.

    The repositories are read-only properties: a protocol's plain attribute is
    invariant, so ``books: BookRepository`` would reject a class whose ``books`` is
    a ``SqlBookRepository``. A property only promises what the services read.
    """

    @property
    def authors(self) -> AuthorRepository: ...
    @property
    def books(self) -> BookRepository: ...
    @property
    def members(self) -> MemberRepository: ...
    @property
    def loans(self) -> LoanRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None:
        """Make the work permanent; ``DuplicateError`` if a uniqueness rule refuses it."""
        ...

    async def rollback(self) -> None: ...


UNIQUE_VIOLATION_CODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, "23505"}  # SQLite's, SQLSTATE's


def _unique_violation(exc: IntegrityError) -> bool:
    """Whether a unique index refused the change, not a foreign key or a CHECK."""
    code = getattr(exc.orig, "sqlite_errorcode", None) or getattr(exc.orig, "sqlstate", None)
    return code in UNIQUE_VIOLATION_CODES


class _AuthorRepository(SqlRepository[Author]):
    model = Author


class SqlUnitOfWork:
    """A fresh ``AsyncSession`` per ``async with``: never shared between tasks.

    Leaving the block without ``commit()`` discards the transaction: ``close()``
    rolls it back and detaches the loaded objects without expiring them, so a
    read-only result stays readable after the block. Leaving it with an
    exception rolls back explicitly first: after a failed COMMIT, SQLite keeps
    the transaction open, and ``close()`` alone would return the connection to
    the pool with the failed work still pending.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __aenter__(self) -> Self:
        self.session = self.session_factory()
        self.authors = _AuthorRepository(self.session)
        self.books = SqlBookRepository(self.session)
        self.members = SqlMemberRepository(self.session)
        self.loans = SqlLoanRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Commit; changes to loaded objects are flushed only now, so a unique index
        that refuses one (another transaction took the e-mail since the lookup) is
        reported here, as ``DuplicateError``, like the repositories' ``add`` does. Any
        other refusal (a foreign key) stays ``IntegrityError``."""
        try:
            await self.session.commit()
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise DuplicateError(str(exc.orig)) from exc
            raise

    async def rollback(self) -> None:
        await self.session.rollback()


class InMemoryUnitOfWork:
    """The fake: in-memory repositories that outlive each block, and a commit counter.

    It does not undo changes on rollback; service tests assert on ``commits``.
    """

    def __init__(self) -> None:
        self.authors = InMemoryRepository[Author]()
        self.books = InMemoryBookRepository()
        self.members = InMemoryMemberRepository()
        self.loans = InMemoryLoanRepository()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None


# --- Catalogue: authors and books ----------------------------------------------


class CatalogueService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def add_author(self, data: AuthorCreate) -> Author:
        async with self.uow:
            author = await self.uow.authors.add(Author(name=data.name))
            await self.uow.commit()
            return author

    async def get_author(self, author_id: int) -> Author:
        async with self.uow:
            author = await self.uow.authors.get(author_id)
            if author is None:
                raise NotFound("author", author_id)
            return author

    async def add_book(self, data: BookCreate) -> Book:
        async with self.uow:
            if await self.uow.authors.get(data.author_id) is None:
                raise NotFound("author", data.author_id)
            book = Book(**data.model_dump(), copies_available=data.copies_total)
            try:
                await self.uow.books.add(book)
            except DuplicateError:
                raise IsbnAlreadyRegistered(data.isbn) from None
            await self.uow.commit()
            return book

    async def get_book(self, book_id: int) -> Book:
        async with self.uow:
            return await _book(self.uow, book_id)

    async def list_books(
        self, filters: BookFilter, *, limit: int = 20, offset: int = 0
    ) -> list[Book]:
        async with self.uow:
            criteria = filters.model_dump(include=set(BookFilter.model_fields), exclude_none=True)
            return await self.uow.books.list(**criteria, limit=limit, offset=offset)

    async def update_book(self, book_id: int, changes: BookUpdate) -> Book:
        async with self.uow:
            book = await _book(self.uow, book_id)
            values = changes.model_dump(exclude_unset=True)
            if "isbn" in values:
                other = await self.uow.books.get_by_isbn(values["isbn"])
                if other is not None and other.id != book_id:
                    raise IsbnAlreadyRegistered(values["isbn"])
            for field, value in values.items():
                setattr(book, field, value)
            try:
                await self.uow.commit()
            except DuplicateError:  # the ISBN was taken concurrently since the lookup
                raise IsbnAlreadyRegistered(values["isbn"]) from None
            return book

    async def remove_book(self, book_id: int) -> None:
        """Delete a book that was never lent; its loan history must not be lost."""
        async with self.uow:
            book = await _book(self.uow, book_id)
            if await self.uow.loans.count_for_book(book_id):
                raise BookHasLoans(book_id)
            await self.uow.books.delete(book)
            await self.uow.commit()


# --- Members ---------------------------------------------------------------------


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """A new, active member; e-mail addresses are unique whatever their case."""
    email = data.email.lower()
    async with uow:
        if await uow.members.get_by_email(email) is not None:
            raise EmailAlreadyRegistered(email)
        member = Member(name=data.name, email=email, max_loans=data.max_loans)
        try:
            await uow.members.add(member)
        except DuplicateError:  # registered concurrently since the check above
            raise EmailAlreadyRegistered(email) from None
        await uow.commit()
        return member


async def update_member(uow: UnitOfWork, member_id: int, changes: MemberUpdate) -> Member:
    """The member with the fields the client sent changed, and only those."""
    async with uow:
        member = await _member(uow, member_id)
        values = changes.model_dump(exclude_unset=True)
        if "email" in values:
            values["email"] = values["email"].lower()
            other = await uow.members.get_by_email(values["email"])
            if other is not None and other.id != member_id:
                raise EmailAlreadyRegistered(values["email"])
        for field, value in values.items():
            setattr(member, field, value)
        try:
            await uow.commit()
        except DuplicateError:  # the address was taken concurrently since the lookup
            raise EmailAlreadyRegistered(values["email"]) from None
        return member


class MemberService:
    """The members' use cases, bound to one unit of work: what a route depends on."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def register(self, data: MemberCreate) -> Member:
        return await register_member(self.uow, data)

    async def get(self, member_id: int) -> Member:
        async with self.uow:
            return await _member(self.uow, member_id)

    async def update(self, member_id: int, changes: MemberUpdate) -> Member:
        return await update_member(self.uow, member_id, changes)


# --- Lending ---------------------------------------------------------------------


async def borrow_book(
    uow: UnitOfWork, clock: Clock, member_id: int, book_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """A new loan of ``book_id`` to ``member_id``, due ``loan_days`` after today.

    The rules are checked in this order, and the first one broken is raised:
    the member exists and is active, the book exists, the member does not hold
    it already, the member is below ``max_loans``, a copy is available.
    """
    async with uow:
        member = await uow.members.get_for_update(member_id)  # locked until the end
        if member is None:
            raise NotFound("member", member_id)
        if not member.active:
            raise MemberInactive(member_id)
        await _book(uow, book_id)
        if await uow.loans.find_open(member_id, book_id) is not None:
            raise AlreadyBorrowed(member_id, book_id)
        if await uow.loans.count_open(member_id) >= member.max_loans:
            raise LoanLimitReached(member_id, member.max_loans)
        if not await uow.books.take_copy(book_id):  # conditional UPDATE: race-safe
            raise NoCopyAvailable(book_id)
        today = clock.today()
        loan = Loan(
            member_id=member_id,
            book_id=book_id,
            borrowed_at=today,
            due_at=today + timedelta(days=loan_days),
        )
        try:
            await uow.loans.add(loan)
        except DuplicateError:  # the same borrow, committed concurrently
            raise AlreadyBorrowed(member_id, book_id) from None
        await uow.commit()
        return loan


async def return_book(uow: UnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """The loan, returned today; returning it again changes nothing (safe to retry)."""
    async with uow:
        loan = await _loan(uow, loan_id)
        # Conditional: of two concurrent returns only one closes the loan and
        # puts the copy back; a retry of a returned loan changes nothing.
        if await uow.loans.mark_returned(loan_id, clock.today()):
            await uow.books.put_back_copy(loan.book_id)
            await uow.commit()
        return loan


async def renew_loan(
    uow: UnitOfWork, clock: Clock, loan_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """The open loan, due ``loan_days`` later: counted from its due date, or from
    today if it is already overdue. A returned loan cannot be renewed.

    Race-safe, not idempotent: two renewals at the same moment have the effect of one
    after the other, and a renewal sent again renews again."""
    async with uow:
        loan = await _loan(uow, loan_id)
        # Conditional: the due date moves only from the date read here. When another
        # request renewed or returned the loan first, extend_due changed nothing and
        # reloaded the loan: decide again from what the database holds now.
        while loan.returned_at is None:
            seen = loan.due_at
            until = max(seen, clock.today()) + timedelta(days=loan_days)
            if await uow.loans.extend_due(loan_id, seen, until):
                await uow.commit()
                return loan
        raise LoanClosed(loan_id)


class LendingService:
    """The lending use cases, bound to one unit of work and one clock: what a route
    depends on."""

    def __init__(self, uow: UnitOfWork, clock: Clock, loan_days: int = LOAN_DAYS) -> None:
        self.uow = uow
        self.clock = clock
        self.loan_days = loan_days

    async def borrow(self, member_id: int, book_id: int) -> Loan:
        return await borrow_book(self.uow, self.clock, member_id, book_id, loan_days=self.loan_days)

    async def return_loan(self, loan_id: int) -> Loan:
        return await return_book(self.uow, self.clock, loan_id)

    async def renew(self, loan_id: int) -> Loan:
        return await renew_loan(self.uow, self.clock, loan_id, loan_days=self.loan_days)

    async def get_loan(self, loan_id: int) -> Loan:
        async with self.uow:
            return await _loan(self.uow, loan_id)

    async def loans_of(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        """The member's loans, oldest first; an unknown member is NotFound, not []."""
        async with self.uow:
            await _member(self.uow, member_id)
            return await self.uow.loans.list_for_member(member_id, open_only=open_only)


async def _book(uow: UnitOfWork, book_id: int) -> Book:
    book = await uow.books.get(book_id)
    if book is None:
        raise NotFound("book", book_id)
    return book


async def _member(uow: UnitOfWork, member_id: int) -> Member:
    member = await uow.members.get(member_id)
    if member is None:
        raise NotFound("member", member_id)
    return member


async def _loan(uow: UnitOfWork, loan_id: int) -> Loan:
    loan = await uow.loans.get(loan_id)
    if loan is None:
        raise NotFound("loan", loan_id)
    return loan


# --- Reservations (notebook 11) ----------------------------------------------------


class ReservingUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the reservations."""

    @property
    def reservations(self) -> ReservationRepository: ...


class SqlReservingUnitOfWork(SqlUnitOfWork):
    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.reservations = SqlReservationRepository(self.session)
        return self


class InMemoryReservingUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.reservations = InMemoryReservationRepository(books=self.books)


async def reserve_book(
    uow: ReservingUnitOfWork, clock: Clock, member_id: int, book_id: int
) -> Reservation:
    """A place at the end of the queue for ``book_id``, reserved today.

    The rules are checked in this order, and the first one broken is raised: the
    member exists and is active, the book exists, the member does not hold it, no copy
    is on the shelf (borrow it instead), the member has no active reservation of it.
    The book is locked before its copies are read: a concurrent return either sees
    this reservation in the queue or has already put its copy back.
    """
    async with uow:
        member = await uow.members.get_for_update(member_id)
        if member is None:
            raise NotFound("member", member_id)
        if not member.active:
            raise MemberInactive(member_id)
        book = await uow.reservations.lock_queue(book_id)
        if book is None:
            raise NotFound("book", book_id)
        if await uow.loans.find_open(member_id, book_id) is not None:
            raise AlreadyBorrowed(member_id, book_id)
        if book.copies_available > 0:
            raise CopyAvailable(book_id)
        if await uow.reservations.find_active(member_id, book_id) is not None:
            raise AlreadyReserved(member_id, book_id)
        reservation = Reservation(member_id=member_id, book_id=book_id, reserved_at=clock.today())
        try:
            await uow.reservations.add(reservation)
        except DuplicateError:  # the same reservation, committed concurrently
            raise AlreadyReserved(member_id, book_id) from None
        await uow.commit()
        return reservation


async def hand_on_copy(uow: ReservingUnitOfWork, clock: Clock, book_id: int) -> None:
    """A copy of ``book_id`` came free: held for the first in line, else back on the shelf.

    The caller has locked the book (``lock_queue``).
    """
    if await uow.reservations.hold_next(book_id, clock.today()) is None:
        await uow.books.put_back_copy(book_id)


async def return_book_to_queue(uow: ReservingUnitOfWork, clock: Clock, loan_id: int) -> Loan:
    """The loan, returned today; its copy goes to the first in line, if anyone waits.

    As ``return_book``: returning it again changes nothing (safe to retry).
    """
    async with uow:
        loan = await _loan(uow, loan_id)
        if await uow.loans.mark_returned(loan_id, clock.today()):
            await uow.reservations.lock_queue(loan.book_id)
            await hand_on_copy(uow, clock, loan.book_id)
            await uow.commit()
        return loan


async def cancel_reservation(
    uow: ReservingUnitOfWork, clock: Clock, reservation_id: int
) -> Reservation:
    """The reservation, cancelled; a copy held for it goes to the next in line, or the shelf.

    A fulfilled or cancelled reservation cannot be cancelled (``ReservationClosed``).
    """
    async with uow:
        reservation = await _reservation(uow, reservation_id)
        await uow.reservations.lock_queue(reservation.book_id)
        cancelled = ReservationStatus.CANCELLED
        if await uow.reservations.change_status(
            reservation_id, ReservationStatus.WAITING, cancelled
        ):
            await uow.commit()
        elif await uow.reservations.change_status(
            reservation_id, ReservationStatus.READY, cancelled
        ):
            await hand_on_copy(uow, clock, reservation.book_id)
            await uow.commit()
        else:
            raise ReservationClosed(reservation_id, reservation.status)
        return reservation


async def collect_reservation(
    uow: ReservingUnitOfWork, clock: Clock, reservation_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """The held copy of a ready reservation, lent to its member from today.

    The usual borrowing rules apply (active, not holding the book, under ``max_loans``);
    no copy is taken from the shelf: it was taken when the loan before was returned.
    Of two concurrent collections of one reservation, one becomes a loan.
    """
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
            due_at=today + timedelta(days=loan_days),
        )
        try:
            await uow.loans.add(loan)
        except DuplicateError:  # borrowed concurrently, from a copy put back on the shelf
            raise AlreadyBorrowed(member_id, book_id) from None
        await uow.commit()
        return loan


class ReservationService:
    """The reservations' use cases, bound to one unit of work and one clock."""

    def __init__(self, uow: ReservingUnitOfWork, clock: Clock, loan_days: int = LOAN_DAYS) -> None:
        self.uow = uow
        self.clock = clock
        self.loan_days = loan_days

    async def reserve(self, member_id: int, book_id: int) -> Reservation:
        return await reserve_book(self.uow, self.clock, member_id, book_id)

    async def cancel(self, reservation_id: int) -> Reservation:
        return await cancel_reservation(self.uow, self.clock, reservation_id)

    async def collect(self, reservation_id: int) -> Loan:
        return await collect_reservation(
            self.uow, self.clock, reservation_id, loan_days=self.loan_days
        )

    async def get(self, reservation_id: int) -> Reservation:
        async with self.uow:
            return await _reservation(self.uow, reservation_id)

    async def reservations_of(
        self, member_id: int, *, active_only: bool = False
    ) -> list[Reservation]:
        """The member's reservations, oldest first; an unknown member is NotFound."""
        async with self.uow:
            await _member(self.uow, member_id)
            return await self.uow.reservations.list_for_member(member_id, active_only=active_only)


class ReservingLendingService(LendingService):
    """Lending with a queue: a returned copy goes to the first in line, if anyone waits."""

    uow: ReservingUnitOfWork

    def __init__(self, uow: ReservingUnitOfWork, clock: Clock, loan_days: int = LOAN_DAYS) -> None:
        super().__init__(uow, clock, loan_days)

    async def return_loan(self, loan_id: int) -> Loan:
        return await return_book_to_queue(self.uow, self.clock, loan_id)


async def _reservation(uow: ReservingUnitOfWork, reservation_id: int) -> Reservation:
    reservation = await uow.reservations.get(reservation_id)
    if reservation is None:
        raise NotFound("reservation", reservation_id)
    return reservation
