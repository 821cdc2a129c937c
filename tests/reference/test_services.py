"""The services layer: every rule, the unit of work's transaction, and the races.

Most rules run twice (the ``uow`` fixture): on the in-memory fake, which is what
fast service tests use, and on the real ``SqlUnitOfWork``, which proves the fake
tells the truth. What only a database can show (rollback of a failed unit of
work, concurrent sessions) runs on SQLite alone; races need a database file, so
that every session has its own connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lending_reference.clock import FixedClock, SystemClock
from lending_reference.db import make_session_factory
from lending_reference.errors import (
    AlreadyBorrowed,
    BookHasLoans,
    Conflict,
    EmailAlreadyRegistered,
    IsbnAlreadyRegistered,
    LendingError,
    LoanClosed,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
    NotFound,
)
from lending_reference.models import Book, Loan, Member
from lending_reference.repositories import (
    SqlBookRepository,
    SqlLoanRepository,
    SqlMemberRepository,
)
from lending_reference.schemas import (
    BookCreate,
    BookFilter,
    BookUpdate,
    MemberCreate,
    MemberUpdate,
)
from lending_reference.services import (
    LOAN_DAYS,
    CatalogueService,
    InMemoryUnitOfWork,
    LendingService,
    MemberService,
    SqlUnitOfWork,
)

from .conftest import TODAY, Library, make_isbn

pytestmark = pytest.mark.anyio

DAY = timedelta(days=1)


# --- Borrowing ----------------------------------------------------------------------------


async def test_borrow_records_the_loan_with_dates_from_the_clock(library: Library) -> None:
    member = await library.member()
    book = await library.book(copies=2)

    loan = await library.lending.borrow(member.id, book.id)

    assert (loan.member_id, loan.book_id) == (member.id, book.id)
    assert loan.borrowed_at == TODAY
    assert loan.due_at == TODAY + LOAN_DAYS * DAY
    assert loan.returned_at is None
    assert (await library.catalogue.get_book(book.id)).copies_available == 1
    stored = await library.lending.get_loan(loan.id)
    assert (stored.id, stored.due_at) == (loan.id, loan.due_at)


async def test_loan_days_come_from_the_service(library: Library) -> None:
    library.loan_days = 7
    member, book = await library.member(), await library.book()

    loan = await library.lending.borrow(member.id, book.id)

    assert loan.due_at == TODAY + 7 * DAY


async def test_an_inactive_member_cannot_borrow(library: Library) -> None:
    member, book = await library.member(), await library.book()
    await library.members.update(member.id, MemberUpdate(active=False))

    with pytest.raises(MemberInactive) as caught:
        await library.lending.borrow(member.id, book.id)

    assert caught.value.member_id == member.id
    assert caught.value.code == "member_inactive"
    assert await library.lending.loans_of(member.id) == []
    assert (await library.catalogue.get_book(book.id)).copies_available == 1


async def test_a_member_cannot_exceed_max_loans(library: Library) -> None:
    member = await library.member(max_loans=2)
    books = [await library.book(f"Book {n}") for n in range(3)]
    first = await library.lending.borrow(member.id, books[0].id)
    await library.lending.borrow(member.id, books[1].id)

    with pytest.raises(LoanLimitReached) as caught:
        await library.lending.borrow(member.id, books[2].id)

    assert caught.value.max_loans == 2
    assert (await library.catalogue.get_book(books[2].id)).copies_available == 1
    # returned loans do not count
    await library.lending.return_loan(first.id)
    await library.lending.borrow(member.id, books[2].id)
    assert len(await library.lending.loans_of(member.id, open_only=True)) == 2


async def test_the_same_book_cannot_be_borrowed_twice_at_once(library: Library) -> None:
    member, book = await library.member(), await library.book(copies=3)
    await library.lending.borrow(member.id, book.id)

    with pytest.raises(AlreadyBorrowed) as caught:
        await library.lending.borrow(member.id, book.id)

    assert (caught.value.member_id, caught.value.book_id) == (member.id, book.id)
    assert (await library.catalogue.get_book(book.id)).copies_available == 2


async def test_the_same_book_can_be_borrowed_again_after_returning_it(library: Library) -> None:
    member, book = await library.member(), await library.book()
    first = await library.lending.borrow(member.id, book.id)
    await library.lending.return_loan(first.id)

    again = await library.lending.borrow(member.id, book.id)

    assert again.id != first.id
    assert (await library.catalogue.get_book(book.id)).copies_available == 0


async def test_no_copy_available(library: Library) -> None:
    book = await library.book(copies=1)
    first, second = await library.member(), await library.member()
    await library.lending.borrow(first.id, book.id)

    with pytest.raises(NoCopyAvailable) as caught:
        await library.lending.borrow(second.id, book.id)

    assert caught.value.book_id == book.id
    assert (await library.catalogue.get_book(book.id)).copies_available == 0
    assert await library.lending.loans_of(second.id) == []


@pytest.mark.parametrize("unknown", ["member", "book"])
async def test_borrow_unknown_member_or_book_is_not_found(library: Library, unknown: str) -> None:
    member, book = await library.member(), await library.book()
    member_id, book_id = (999, book.id) if unknown == "member" else (member.id, 999)

    with pytest.raises(NotFound) as caught:
        await library.lending.borrow(member_id, book_id)

    assert (caught.value.entity, caught.value.entity_id) == (unknown, 999)
    assert caught.value.code == "not_found"


# --- Returning and renewing ---------------------------------------------------------------


async def test_return_restores_availability_and_records_the_date(library: Library) -> None:
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    library.clock.current = TODAY + 3 * DAY

    returned = await library.lending.return_loan(loan.id)

    assert returned.returned_at == TODAY + 3 * DAY
    assert (await library.catalogue.get_book(book.id)).copies_available == 1
    assert (await library.lending.get_loan(loan.id)).returned_at == TODAY + 3 * DAY
    assert await library.lending.loans_of(member.id, open_only=True) == []


async def test_a_second_return_changes_nothing(library: Library) -> None:
    book = await library.book(copies=2)
    ada, grace = await library.member(), await library.member()
    loan = await library.lending.borrow(ada.id, book.id)
    await library.lending.borrow(grace.id, book.id)
    await library.lending.return_loan(loan.id)
    library.clock.current = TODAY + 5 * DAY

    again = await library.lending.return_loan(loan.id)

    assert again.returned_at == TODAY  # the first return's date is kept
    # grace still holds the other copy: a double increment would show 2
    assert (await library.catalogue.get_book(book.id)).copies_available == 1


async def test_return_unknown_loan_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound, match="loan 42 does not exist"):
        await library.lending.return_loan(42)


async def test_renew_extends_the_due_date_of_an_open_loan(library: Library) -> None:
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    library.clock.current = TODAY + 10 * DAY

    renewed = await library.lending.renew(loan.id)

    assert renewed.due_at == TODAY + 2 * LOAN_DAYS * DAY
    assert (await library.lending.get_loan(loan.id)).due_at == renewed.due_at


async def test_renewing_an_overdue_loan_counts_from_today(library: Library) -> None:
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    library.clock.current = TODAY + 30 * DAY

    renewed = await library.lending.renew(loan.id)

    assert renewed.due_at == TODAY + (30 + LOAN_DAYS) * DAY


async def test_a_returned_loan_cannot_be_renewed(library: Library) -> None:
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    await library.lending.return_loan(loan.id)

    with pytest.raises(LoanClosed) as caught:
        await library.lending.renew(loan.id)

    assert caught.value.loan_id == loan.id
    assert (await library.lending.get_loan(loan.id)).due_at == TODAY + LOAN_DAYS * DAY


async def test_renew_or_get_unknown_loan_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound):
        await library.lending.renew(7)
    with pytest.raises(NotFound):
        await library.lending.get_loan(7)


async def test_loans_of_lists_a_members_loans(library: Library) -> None:
    member, other = await library.member(), await library.member()
    books = [await library.book(f"Book {n}", copies=2) for n in range(3)]
    loans = [await library.lending.borrow(member.id, book.id) for book in books]
    await library.lending.borrow(other.id, books[0].id)
    await library.lending.return_loan(loans[1].id)

    every = await library.lending.loans_of(member.id)
    still_open = await library.lending.loans_of(member.id, open_only=True)

    assert [loan.id for loan in every] == [loan.id for loan in loans]
    assert [loan.id for loan in still_open] == [loans[0].id, loans[2].id]
    with pytest.raises(NotFound):
        await library.lending.loans_of(999)


def test_the_system_clock_answers_todays_date_in_utc() -> None:
    assert SystemClock().today() in {datetime.now(UTC).date(), datetime.now(UTC).date() - DAY}


# --- Members ------------------------------------------------------------------------------


async def test_register_lower_cases_the_email(library: Library) -> None:
    member = await library.member(email="Ada.Lovelace@Example.COM")

    assert member.email == "ada.lovelace@example.com"
    assert (member.active, member.max_loans) == (True, 5)
    assert (await library.members.get(member.id)).email == "ada.lovelace@example.com"


@pytest.mark.parametrize("again", ["ada@example.com", "ADA@example.com", "Ada@Example.Com"])
async def test_register_refuses_an_email_already_registered(library: Library, again: str) -> None:
    await library.member(email="ada@example.com")

    with pytest.raises(EmailAlreadyRegistered) as caught:
        await library.members.register(MemberCreate(name="Again", email=again))

    assert caught.value.email == "ada@example.com"


async def test_get_unknown_member_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound, match="member 3 does not exist"):
        await library.members.get(3)


async def test_update_member_changes_only_the_fields_sent(library: Library) -> None:
    member = await library.member(email="ada@example.com", max_loans=3)

    updated = await library.members.update(
        member.id, MemberUpdate(name="Ada L.", email="ADA.L@example.com")
    )

    stored = await library.members.get(member.id)
    for found in (updated, stored):
        assert (found.name, found.email, found.active, found.max_loans) == (
            "Ada L.",
            "ada.l@example.com",
            True,
            3,
        )


async def test_update_member_refuses_another_members_email(library: Library) -> None:
    await library.member(email="grace@example.com")
    ada = await library.member(email="ada@example.com")

    with pytest.raises(EmailAlreadyRegistered):
        await library.members.update(
            ada.id, MemberUpdate(name="Renamed", email="Grace@example.com")
        )

    stored = await library.members.get(ada.id)
    assert (stored.name, stored.email) == ("Member", "ada@example.com")


async def test_update_member_may_keep_its_own_email(library: Library) -> None:
    ada = await library.member(email="ada@example.com")

    updated = await library.members.update(ada.id, MemberUpdate(email="ADA@example.com"))

    assert updated.email == "ada@example.com"


async def test_update_unknown_member_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound):
        await library.members.update(5, MemberUpdate(active=False))


# --- Catalogue ----------------------------------------------------------------------------


async def test_add_book_makes_every_copy_available(library: Library) -> None:
    book = await library.book("Kindred", copies=4)

    assert (book.copies_total, book.copies_available) == (4, 4)
    assert (await library.catalogue.get_book(book.id)).title == "Kindred"
    assert (await library.catalogue.get_author(book.author_id)).name == "Octavia E. Butler"


async def test_add_book_needs_an_existing_author(library: Library) -> None:
    data = BookCreate(title="Orphan", isbn=make_isbn(1), year=2000, author_id=77)

    with pytest.raises(NotFound) as caught:
        await library.catalogue.add_book(data)

    assert (caught.value.entity, caught.value.entity_id) == ("author", 77)


async def test_add_book_refuses_a_duplicate_isbn(library: Library) -> None:
    await library.book("First", isbn=make_isbn(9))

    with pytest.raises(IsbnAlreadyRegistered) as caught:
        await library.book("Second", isbn=make_isbn(9))

    assert caught.value.isbn == make_isbn(9)
    assert caught.value.code == "isbn_already_registered"


async def test_get_unknown_author_or_book_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound, match="author 1 does not exist"):
        await library.catalogue.get_author(1)
    with pytest.raises(NotFound, match="book 1 does not exist"):
        await library.catalogue.get_book(1)


async def test_list_books_applies_filters_and_pagination(library: Library) -> None:
    for title, year in [("Dune", 1965), ("Dune Messiah", 1969), ("Emma", 1815), ("DUNE II", 2021)]:
        await library.book(title, year=year)

    async def found(filters: BookFilter, **page: int) -> list[str]:
        return [b.title for b in await library.catalogue.list_books(filters, **page)]

    assert await found(BookFilter()) == ["Dune", "Dune Messiah", "Emma", "DUNE II"]
    assert await found(BookFilter(title_contains="dune")) == ["Dune", "Dune Messiah", "DUNE II"]
    assert await found(BookFilter(title_contains="dune", year_to=2000)) == ["Dune", "Dune Messiah"]
    assert await found(BookFilter(year_from=1900), limit=1, offset=1) == ["Dune Messiah"]


async def test_update_book(library: Library) -> None:
    book = await library.book("Kindred", year=1979)

    updated = await library.catalogue.update_book(
        book.id, BookUpdate(title="Kindred (25th anniversary)", isbn=make_isbn(50))
    )

    stored = await library.catalogue.get_book(book.id)
    for found in (updated, stored):
        assert (found.title, found.isbn, found.year) == (
            "Kindred (25th anniversary)",
            make_isbn(50),
            1979,
        )


async def test_update_book_refuses_another_books_isbn_and_allows_its_own(
    library: Library,
) -> None:
    taken = await library.book("Taken", isbn=make_isbn(1))
    book = await library.book("Mine", isbn=make_isbn(2))

    with pytest.raises(IsbnAlreadyRegistered):
        await library.catalogue.update_book(book.id, BookUpdate(title="X", isbn=taken.isbn))
    same = await library.catalogue.update_book(book.id, BookUpdate(isbn=make_isbn(2)))

    assert (same.title, same.isbn) == ("Mine", make_isbn(2))


async def test_update_unknown_book_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound):
        await library.catalogue.update_book(8, BookUpdate(title="Nothing"))


async def test_remove_book_deletes_a_book_never_lent(library: Library) -> None:
    book = await library.book()

    await library.catalogue.remove_book(book.id)

    with pytest.raises(NotFound):
        await library.catalogue.get_book(book.id)


@pytest.mark.parametrize("returned", [False, True])
async def test_remove_book_refuses_a_book_that_was_lent(library: Library, returned: bool) -> None:
    """Its loan history must not be lost, even once every copy is back."""
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    if returned:
        await library.lending.return_loan(loan.id)

    with pytest.raises(BookHasLoans):
        await library.catalogue.remove_book(book.id)

    assert (await library.catalogue.get_book(book.id)).id == book.id


async def test_remove_unknown_book_is_not_found(library: Library) -> None:
    with pytest.raises(NotFound):
        await library.catalogue.remove_book(404)


def test_every_domain_error_is_a_lending_error_with_a_stable_code() -> None:
    errors = [
        NotFound("book", 1),
        EmailAlreadyRegistered("a@b.c"),
        IsbnAlreadyRegistered(make_isbn(1)),
        MemberInactive(1),
        LoanLimitReached(1, 5),
        AlreadyBorrowed(1, 2),
        NoCopyAvailable(2),
        BookHasLoans(2),
        LoanClosed(3),
    ]

    assert all(isinstance(error, LendingError) for error in errors)
    assert all(isinstance(error, Conflict) for error in errors[1:])
    assert len({error.code for error in errors}) == len(errors)
    assert "a@b.c" not in str(errors[1])  # the message does not echo personal data


# --- The fake's transaction: commits are counted ------------------------------------------


async def test_each_successful_change_commits_once(clock: FixedClock) -> None:
    uow = InMemoryUnitOfWork()
    library = Library(uow, clock)
    member, book = await library.member(), await library.book()
    assert uow.commits == 3  # author, book, member

    loan = await library.lending.borrow(member.id, book.id)
    assert uow.commits == 4
    await library.lending.renew(loan.id)
    assert uow.commits == 5
    await library.lending.return_loan(loan.id)
    assert uow.commits == 6
    await library.lending.return_loan(loan.id)  # nothing to do: nothing to commit
    assert uow.commits == 6
    await library.members.update(member.id, MemberUpdate(max_loans=1))
    await library.catalogue.update_book(book.id, BookUpdate(year=1980))
    assert uow.commits == 8


async def test_reads_commit_nothing(clock: FixedClock) -> None:
    uow = InMemoryUnitOfWork()
    library = Library(uow, clock)
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)
    before = uow.commits

    await library.members.get(member.id)
    await library.catalogue.get_book(book.id)
    await library.catalogue.get_author(book.author_id)
    await library.catalogue.list_books(BookFilter())
    await library.lending.get_loan(loan.id)
    await library.lending.loans_of(member.id)

    assert uow.commits == before


async def test_a_broken_rule_commits_nothing(clock: FixedClock) -> None:
    uow = InMemoryUnitOfWork()
    library = Library(uow, clock)
    ada = await library.member(email="ada@example.com", max_loans=1)
    grace = await library.member(email="grace@example.com")
    book, other = await library.book(), await library.book("Other")
    loan = await library.lending.borrow(ada.id, book.id)
    await library.lending.return_loan(loan.id)
    loan = await library.lending.borrow(ada.id, book.id)
    before = uow.commits

    failures: list[Callable[[], Awaitable[object]]] = [
        lambda: library.lending.borrow(ada.id, book.id),  # already borrowed
        lambda: library.lending.borrow(ada.id, other.id),  # limit reached
        lambda: library.lending.borrow(grace.id, book.id),  # no copy
        lambda: library.lending.borrow(999, book.id),
        lambda: library.members.register(MemberCreate(name="x", email="ADA@example.com")),
        lambda: library.members.update(grace.id, MemberUpdate(email="ada@example.com")),
        lambda: library.catalogue.remove_book(book.id),
        lambda: library.catalogue.update_book(other.id, BookUpdate(isbn=book.isbn)),
    ]
    for failure in failures:
        with pytest.raises(LendingError):
            await failure()

    assert uow.commits == before


# --- The real transaction: a failed unit of work leaves no trace ----------------------------


async def snapshot(factory: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of books, members and loans, read through a fresh session."""
    async with factory() as session:
        books = await session.execute(
            select(Book.id, Book.isbn, Book.title, Book.copies_available).order_by(Book.id)
        )
        members = await session.execute(
            select(Member.id, Member.email, Member.name, Member.active).order_by(Member.id)
        )
        loans = await session.execute(
            select(Loan.id, Loan.member_id, Loan.book_id, Loan.due_at, Loan.returned_at).order_by(
                Loan.id
            )
        )
        return {
            "books": [tuple(row) for row in books],
            "members": [tuple(row) for row in members],
            "loans": [tuple(row) for row in loans],
        }


@pytest.fixture
def sql_library(file_engine: AsyncEngine, clock: FixedClock) -> Library:
    return Library(SqlUnitOfWork(make_session_factory(file_engine)), clock)


def factory_of(library: Library) -> async_sessionmaker[AsyncSession]:
    assert isinstance(library.uow, SqlUnitOfWork)
    return library.uow.session_factory


async def test_a_failed_unit_of_work_changes_nothing_in_the_database(
    sql_library: Library,
) -> None:
    library = sql_library
    ada = await library.member(email="ada@example.com", max_loans=1)
    grace = await library.member(email="grace@example.com")
    book, other = await library.book(), await library.book("Other")
    loan = await library.lending.borrow(ada.id, book.id)
    await library.lending.return_loan(loan.id)
    await library.lending.borrow(ada.id, book.id)
    before = await snapshot(factory_of(library))

    with pytest.raises(AlreadyBorrowed):
        await library.lending.borrow(ada.id, book.id)
    with pytest.raises(LoanLimitReached):
        await library.lending.borrow(ada.id, other.id)
    with pytest.raises(NoCopyAvailable):
        await library.lending.borrow(grace.id, book.id)
    with pytest.raises(LoanClosed):
        await library.lending.renew(loan.id)
    with pytest.raises(EmailAlreadyRegistered):
        await library.members.update(grace.id, MemberUpdate(name="G", email="ada@example.com"))
    with pytest.raises(IsbnAlreadyRegistered):
        await library.catalogue.update_book(other.id, BookUpdate(title="T", isbn=book.isbn))
    with pytest.raises(BookHasLoans):
        await library.catalogue.remove_book(book.id)

    assert await snapshot(factory_of(library)) == before


async def test_a_double_borrow_past_the_check_is_stopped_by_the_unique_index(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If two borrows both pass ``find_open`` (a race), the partial unique index refuses
    the second INSERT; the copy it had already taken goes back with the rollback."""
    library = sql_library
    member, book = await library.member(), await library.book(copies=2)
    await library.lending.borrow(member.id, book.id)
    before = await snapshot(factory_of(library))

    async def race_lost(self: SqlLoanRepository, member_id: int, book_id: int) -> None:
        return None

    monkeypatch.setattr(SqlLoanRepository, "find_open", race_lost)
    with pytest.raises(AlreadyBorrowed):
        await library.lending.borrow(member.id, book.id)

    assert await snapshot(factory_of(library)) == before
    assert before["books"][0][-1] == 1


async def test_a_duplicate_registration_past_the_check_is_stopped_by_the_unique_email(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = sql_library
    await library.member(email="ada@example.com")
    before = await snapshot(factory_of(library))

    async def race_lost(self: SqlMemberRepository, email: str) -> None:
        return None

    monkeypatch.setattr(SqlMemberRepository, "get_by_email", race_lost)
    with pytest.raises(EmailAlreadyRegistered):
        await library.members.register(MemberCreate(name="Twin", email="ada@example.com"))

    assert await snapshot(factory_of(library)) == before


async def lookup_then_commit_first(
    monkeypatch: pytest.MonkeyPatch,
    repository: type,
    lookup: str,
    first: Callable[[], Awaitable[object]],
) -> None:
    """Interleave two units of work by hand: right after the second one's uniqueness
    lookup has found nothing, the first runs to its commit. Both lookups pass; the
    unique index decides at the second one's commit."""
    original = getattr(repository, lookup)
    pending = True

    async def lookup_then_let_the_first_commit(self: object, value: str) -> object:
        nonlocal pending
        found = await original(self, value)
        if pending:
            pending = False
            await first()
        return found

    monkeypatch.setattr(repository, lookup, lookup_then_let_the_first_commit)


async def test_an_email_taken_by_a_concurrent_update_is_a_conflict_not_a_crash(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = sql_library
    grace, linus = await library.member(), await library.member()
    factory = factory_of(library)

    async def linus_takes_it() -> Member:
        return await MemberService(SqlUnitOfWork(factory)).update(
            linus.id, MemberUpdate(email="new@example.com")
        )

    await lookup_then_commit_first(monkeypatch, SqlMemberRepository, "get_by_email", linus_takes_it)
    with pytest.raises(EmailAlreadyRegistered) as caught:
        await library.members.update(grace.id, MemberUpdate(name="G", email="New@example.com"))

    assert caught.value.code == "email_already_registered"
    state = await snapshot(factory)
    assert [row[1:3] for row in state["members"]] == [
        ("member1@example.com", "Member"),
        ("new@example.com", "Member"),
    ]


async def test_an_isbn_taken_by_a_concurrent_update_is_a_conflict_not_a_crash(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = sql_library
    kindred, dawn = await library.book(), await library.book("Dawn")
    isbn = make_isbn(99)
    factory = factory_of(library)

    async def dawn_takes_it() -> Book:
        return await CatalogueService(SqlUnitOfWork(factory)).update_book(
            dawn.id, BookUpdate(isbn=isbn)
        )

    await lookup_then_commit_first(monkeypatch, SqlBookRepository, "get_by_isbn", dawn_takes_it)
    with pytest.raises(IsbnAlreadyRegistered) as caught:
        await library.catalogue.update_book(kindred.id, BookUpdate(title="K", isbn=isbn))

    assert caught.value.code == "isbn_already_registered"
    state = await snapshot(factory)
    assert [row[1:3] for row in state["books"]] == [(kindred.isbn, "Kindred"), (isbn, "Dawn")]


async def test_a_commit_refused_by_a_foreign_key_stays_an_integrity_error(
    sql_library: Library,
) -> None:
    """Only a unique index's refusal is a ``DuplicateError``: an orphan book, first sent
    by the commit's flush, is no duplicate, and no conflict error may claim it is."""
    uow = sql_library.uow
    assert isinstance(uow, SqlUnitOfWork)
    async with uow:
        uow.session.add(
            Book(
                title="Dune",
                isbn=make_isbn(7),
                year=1965,
                copies_total=1,
                copies_available=1,
                author_id=99,
            )
        )
        with pytest.raises(IntegrityError):
            await uow.commit()


async def test_results_stay_readable_after_the_session_is_closed(sql_library: Library) -> None:
    library = sql_library
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)

    # every unit of work has closed its session: the objects are detached, not expired
    assert (loan.id, loan.borrowed_at, member.email, book.copies_available) == (
        1,
        TODAY,
        "member1@example.com",
        1,
    )


# --- Races: one session per task, on a database file ----------------------------------------


async def race(library: Library, attempts: Sequence[tuple[int, int]]) -> list[object]:
    """Borrow every ``(member_id, book_id)`` at once, each on its own unit of work."""
    factory = factory_of(library)

    async def attempt(member_id: int, book_id: int) -> Loan:
        lending = LendingService(SqlUnitOfWork(factory), library.clock)
        return await lending.borrow(member_id, book_id)

    async with asyncio.timeout(20):
        return await asyncio.gather(*(attempt(m, b) for m, b in attempts), return_exceptions=True)


def outcome(results: list[object]) -> list[str]:
    return sorted(type(result).__name__ for result in results)


async def test_racing_for_the_last_copy_exactly_one_member_wins(sql_library: Library) -> None:
    library = sql_library
    book = await library.book(copies=1)
    members = [await library.member() for _ in range(12)]

    results = await race(library, [(member.id, book.id) for member in members])

    assert outcome(results) == ["Loan"] + ["NoCopyAvailable"] * 11
    state = await snapshot(factory_of(library))
    assert state["books"][0][-1] == 0
    assert len(state["loans"]) == 1
    (winner,) = [result for result in results if isinstance(result, Loan)]
    assert state["loans"][0][:3] == (winner.id, winner.member_id, book.id)


async def test_racing_for_three_copies_three_members_win(sql_library: Library) -> None:
    library = sql_library
    book = await library.book(copies=3)
    members = [await library.member() for _ in range(10)]

    results = await race(library, [(member.id, book.id) for member in members])

    assert outcome(results) == ["Loan"] * 3 + ["NoCopyAvailable"] * 7
    state = await snapshot(factory_of(library))
    assert (state["books"][0][-1], len(state["loans"])) == (0, 3)


async def test_one_member_borrowing_one_book_twice_at_once_gets_one_loan(
    sql_library: Library,
) -> None:
    library = sql_library
    member, book = await library.member(), await library.book(copies=2)

    results = await race(library, [(member.id, book.id)] * 5)

    assert outcome(results) == ["AlreadyBorrowed"] * 4 + ["Loan"]
    state = await snapshot(factory_of(library))
    assert (state["books"][0][-1], len(state["loans"])) == (1, 1)


async def test_one_member_borrowing_many_books_at_once_respects_max_loans(
    sql_library: Library,
) -> None:
    """Counting open loans and adding one must not interleave between two borrows.

    SQLite ignores ``FOR UPDATE``; ``get_for_update`` takes the database's write
    lock first, so concurrent borrows count one after the other.
    """
    library = sql_library
    member = await library.member(max_loans=1)
    books = [await library.book(f"Book {n}", copies=2) for n in range(4)]

    results = await race(library, [(member.id, book.id) for book in books])

    assert outcome(results) == ["Loan"] + ["LoanLimitReached"] * 3
    assert len((await snapshot(factory_of(library)))["loans"]) == 1


async def return_twice_at_once(library: Library, monkeypatch: pytest.MonkeyPatch) -> list[Loan]:
    """Ada and Grace each hold one of two copies; Ada's loan is returned twice at once.

    Both returns read the loan before either writes: the race, made deterministic.
    """
    book = await library.book(copies=2)
    ada, grace = await library.member(), await library.member()
    loan = await library.lending.borrow(ada.id, book.id)
    await library.lending.borrow(grace.id, book.id)

    both_read = asyncio.Barrier(2)
    original_get = SqlLoanRepository.get

    async def get_then_wait(self: SqlLoanRepository, loan_id: int) -> Loan | None:
        found = await original_get(self, loan_id)
        await both_read.wait()
        return found

    monkeypatch.setattr(SqlLoanRepository, "get", get_then_wait)
    factory = factory_of(library)
    async with asyncio.timeout(10):
        return await asyncio.gather(
            *(
                LendingService(SqlUnitOfWork(factory), library.clock).return_loan(loan.id)
                for _ in range(2)
            )
        )


async def test_concurrent_returns_of_one_loan_put_back_one_copy(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    await return_twice_at_once(sql_library, monkeypatch)

    state = await snapshot(factory_of(sql_library))
    assert state["books"][0][-1] == 1, "grace still holds a copy"
    assert state["loans"][0][-1] == TODAY


async def test_both_concurrent_returns_report_the_loan_as_returned(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = await return_twice_at_once(sql_library, monkeypatch)

    assert [result.returned_at for result in results] == [TODAY, TODAY]


async def renew_racing(
    library: Library, monkeypatch: pytest.MonkeyPatch, other: Callable[[], Awaitable[Loan]]
) -> list[object]:
    """Renew Ada's loan, which this renewal reads before ``other`` (on a unit of work of its
    own) runs and commits, and then writes: the race, made deterministic."""
    loan_id = (await library.lending.loans_of(1))[0].id
    renewal_read, other_done = asyncio.Event(), asyncio.Event()
    original_get = SqlLoanRepository.get

    async def get_then_wait(self: SqlLoanRepository, wanted: int) -> Loan | None:
        found = await original_get(self, wanted)
        if not renewal_read.is_set():  # the renewal has read the loan: now the other goes
            renewal_read.set()
            await other_done.wait()
        return found

    async def then_other() -> Loan:
        await renewal_read.wait()
        try:
            return await other()
        finally:
            other_done.set()

    monkeypatch.setattr(SqlLoanRepository, "get", get_then_wait)
    renewal = LendingService(SqlUnitOfWork(factory_of(library)), library.clock).renew(loan_id)
    async with asyncio.timeout(10):
        return list(await asyncio.gather(renewal, then_other(), return_exceptions=True))


async def test_two_renewals_at_once_count_as_one_after_the_other(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = sql_library
    ada, book = await library.member(), await library.book()
    loan = await library.lending.borrow(ada.id, book.id)
    library.clock.current = TODAY + DAY
    second = LendingService(SqlUnitOfWork(factory_of(library)), library.clock)

    results = await renew_racing(library, monkeypatch, lambda: second.renew(loan.id))

    once, twice = TODAY + 2 * LOAN_DAYS * DAY, TODAY + 3 * LOAN_DAYS * DAY
    assert [getattr(result, "due_at", result) for result in results] == [twice, once]
    assert (await snapshot(factory_of(library)))["loans"][0][3] == twice


async def test_a_renewal_that_read_the_loan_before_a_return_is_refused(
    sql_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = sql_library
    ada, book = await library.member(), await library.book()
    loan = await library.lending.borrow(ada.id, book.id)
    returner = LendingService(SqlUnitOfWork(factory_of(library)), library.clock)

    renewal, returned = await renew_racing(
        library, monkeypatch, lambda: returner.return_loan(loan.id)
    )

    assert isinstance(renewal, LoanClosed) and isinstance(returned, Loan)
    assert (await snapshot(factory_of(library)))["loans"][0][3:] == (TODAY + LOAN_DAYS * DAY, TODAY)


async def test_renewing_is_not_idempotent_each_renewal_sent_renews(library: Library) -> None:
    member, book = await library.member(), await library.book()
    loan = await library.lending.borrow(member.id, book.id)

    await library.lending.renew(loan.id)
    again = await library.lending.renew(loan.id)  # a retry cannot be told from a renewal

    assert again.due_at == TODAY + 3 * LOAN_DAYS * DAY


async def test_five_renewals_at_once_all_count(sql_library: Library) -> None:
    library = sql_library
    ada, book = await library.member(), await library.book()
    loan = await library.lending.borrow(ada.id, book.id)
    factory = factory_of(library)

    async with asyncio.timeout(20):
        results = await asyncio.gather(
            *(
                LendingService(SqlUnitOfWork(factory), library.clock).renew(loan.id)
                for _ in range(5)
            )
        )

    dates = [TODAY + n * LOAN_DAYS * DAY for n in range(2, 7)]
    assert sorted(result.due_at for result in results) == dates
    assert (await snapshot(factory))["loans"][0][3] == dates[-1]
