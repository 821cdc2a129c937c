"""One contract suite, run against every implementation of each repository.

The ``repos`` fixture is parametrised over the SQLAlchemy repositories (one
session on an in-memory SQLite database) and the in-memory fakes. A test that
passes for one and fails for the other is a bug: the fake would let service
tests pass for code that breaks on the real database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lending_reference.db import make_session_factory
from lending_reference.models import Author, Book, Loan, Member
from lending_reference.repositories import (
    DuplicateError,
    InMemoryMemberRepository,
    Page,
    SqlLoanRepository,
    SqlMemberRepository,
)

from .conftest import TODAY, Repos, make_isbn

pytestmark = pytest.mark.anyio


def loan_of(member: Member, book: Book, *, returned: bool = False) -> Loan:
    return Loan(
        member_id=member.id,
        book_id=book.id,
        borrowed_at=TODAY,
        due_at=TODAY + timedelta(days=14),
        returned_at=TODAY + timedelta(days=2) if returned else None,
    )


async def titles(repos: Repos, **filters: object) -> list[str]:
    # ``filters`` are keyword filters of several types, each the parameter's own.
    return [book.title for book in await repos.books.list(**filters)]  # type: ignore[arg-type]


# --- get / add / delete (every repository) -------------------------------------------------


async def test_add_assigns_an_id_and_get_returns_the_entity(repos: Repos) -> None:
    book = await repos.book("Dune")

    assert isinstance(book.id, int)
    assert await repos.books.get(book.id) is book
    assert (await repos.authors.get(book.author_id)) is not None


async def test_ids_are_distinct_and_increasing(repos: Repos) -> None:
    first = await repos.member("a@example.com")
    second = await repos.member("b@example.com")

    assert first.id < second.id


async def test_an_insert_never_replaces_an_existing_row(repos: Repos) -> None:
    """A database never overwrites a row on INSERT; the fake must not either."""
    first = await repos.member("first@example.com")
    taken = Member(name="Explicit", email="explicit@example.com")
    taken.id = first.id + 1  # the id the next add would otherwise be given
    await repos.members.add(taken)

    if repos.kind == "postgresql":
        # Its id sequence never heard of the explicit id, so the next insert collides and is
        # refused (which aborts the transaction): still nothing is overwritten.
        with pytest.raises(DuplicateError, match="pk_members"):
            await repos.member("fresh@example.com")
        return
    fresh = await repos.member("fresh@example.com")

    assert len({first.id, taken.id, fresh.id}) == 3
    assert [await repos.members.get(m.id) for m in (first, taken, fresh)] == [first, taken, fresh]


async def test_the_fake_never_reuses_the_id_of_a_seeded_item() -> None:
    seeded = Member(name="Seeded", email="seeded@example.com")
    seeded.id = 1
    members = InMemoryMemberRepository([seeded])

    fresh = await members.add(Member(name="Fresh", email="fresh@example.com"))

    assert fresh.id != 1
    assert await members.get(1) is seeded


@pytest.mark.parametrize("missing", [0, 999])
async def test_get_unknown_returns_none(repos: Repos, missing: int) -> None:
    await repos.book()

    assert await repos.books.get(missing) is None
    assert await repos.members.get(missing) is None
    assert await repos.members.get_for_update(missing) is None
    assert await repos.loans.get(missing) is None
    assert await repos.authors.get(missing) is None


async def test_delete_removes_the_entity(repos: Repos) -> None:
    kept = await repos.book("Kept")
    gone = await repos.book("Gone")

    await repos.books.delete(gone)

    assert await repos.books.get(gone.id) is None
    assert await repos.books.get(kept.id) is kept
    assert await titles(repos) == ["Kept"]


# --- Books ----------------------------------------------------------------------------------


async def test_duplicate_isbn_is_refused(repos: Repos) -> None:
    await repos.book("First", isbn=make_isbn(7))

    with pytest.raises(DuplicateError):
        await repos.book("Second", isbn=make_isbn(7))


async def test_get_by_isbn(repos: Repos) -> None:
    book = await repos.book(isbn=make_isbn(5))

    assert await repos.books.get_by_isbn(make_isbn(5)) is book
    assert await repos.books.get_by_isbn(make_isbn(6)) is None


async def test_list_orders_by_id_and_pages_with_limit_and_offset(repos: Repos) -> None:
    for title in ["B", "A", "D", "C", "E"]:
        await repos.book(title)

    assert await titles(repos) == ["B", "A", "D", "C", "E"]
    assert await titles(repos, limit=2) == ["B", "A"]
    assert await titles(repos, limit=2, offset=2) == ["D", "C"]
    assert await titles(repos, limit=2, offset=4) == ["E"]
    assert await titles(repos, offset=5) == []
    assert await titles(repos, limit=0) == []


async def test_list_defaults_to_twenty(repos: Repos) -> None:
    author = await repos.author()
    for n in range(21):
        await repos.book(f"Book {n}", author=author)

    assert len(await repos.books.list()) == 20


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("dune", ["Dune", "Dune Messiah", "Children of DUNE"]),
        ("DUNE", ["Dune", "Dune Messiah", "Children of DUNE"]),
        ("mEsSiAh", ["Dune Messiah"]),
        ("of d", ["Children of DUNE"]),
        ("zzz", []),
        ("", ["Dune", "Dune Messiah", "Children of DUNE", "Emma"]),
        (None, ["Dune", "Dune Messiah", "Children of DUNE", "Emma"]),
    ],
)
async def test_list_title_contains_is_case_insensitive(
    repos: Repos, needle: str | None, expected: list[str]
) -> None:
    for title in ["Dune", "Dune Messiah", "Children of DUNE", "Emma"]:
        await repos.book(title)

    assert await titles(repos, title_contains=needle) == expected


@pytest.mark.parametrize(
    ("needle", "expected"),
    [("%", ["100% Pure"]), ("_", ["snake_case"]), ("\\", ["back\\slash"]), ("e_c", ["snake_case"])],
)
async def test_list_title_contains_matches_wildcards_literally(
    repos: Repos, needle: str, expected: list[str]
) -> None:
    for title in ["100% Pure", "snake_case", "snakeXcase", "back\\slash", "Plain"]:
        await repos.book(title)

    assert await titles(repos, title_contains=needle) == expected


async def test_list_title_contains_folds_non_ascii_case(repos: Repos) -> None:
    await repos.book("Émile, ou De l'éducation")

    assert await titles(repos, title_contains="émile") == ["Émile, ou De l'éducation"]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({}, [1990, 2000, 2010]),
        ({"year_from": 2000}, [2000, 2010]),
        ({"year_to": 2000}, [1990, 2000]),
        ({"year_from": 2000, "year_to": 2000}, [2000]),
        ({"year_from": 1991, "year_to": 2009}, [2000]),
        ({"year_from": 2011}, []),
        ({"year_from": 2001, "year_to": 1999}, []),
    ],
)
async def test_list_year_bounds_are_inclusive(
    repos: Repos, bounds: dict[str, int], expected: list[int]
) -> None:
    for year in [1990, 2000, 2010]:
        await repos.book(f"From {year}", year=year)

    # ``bounds`` holds year_from/year_to, ints; the other filters are typed otherwise.
    assert [book.year for book in await repos.books.list(**bounds)] == expected  # type: ignore[arg-type]


async def test_list_combines_filters_before_paginating(repos: Repos) -> None:
    for n, year in enumerate([1960, 1970, 1980, 1990, 2000]):
        await repos.book(f"Saga {n}", year=year)
        await repos.book(f"Other {n}", year=year)

    found = await titles(repos, title_contains="saga", year_from=1970, limit=2, offset=1)

    assert found == ["Saga 2", "Saga 3"]


async def walk(repos: Repos, limit: int) -> list[Page[Book]]:
    pages = [await repos.books.page_after(None, limit=limit)]
    while pages[-1].next_after is not None:
        assert len(pages) < 20, "the cursor never ran out"
        pages.append(await repos.books.page_after(pages[-1].next_after, limit=limit))
    return pages


@pytest.mark.parametrize(("count", "sizes"), [(7, [3, 3, 1]), (6, [3, 3]), (1, [1]), (0, [0])])
async def test_page_after_walks_the_whole_listing_once(
    repos: Repos, count: int, sizes: list[int]
) -> None:
    author = await repos.author()
    books = [await repos.book(f"Book {n}", author=author) for n in range(count)]

    pages = await walk(repos, limit=3)

    assert [len(page.items) for page in pages] == sizes
    assert [book.id for page in pages for book in page.items] == [book.id for book in books]
    assert [page.next_after for page in pages[:-1]] == [page.items[-1].id for page in pages[:-1]]


async def test_page_after_skips_deleted_rows_and_starts_after_the_cursor(repos: Repos) -> None:
    author = await repos.author()
    books = [await repos.book(f"Book {n}", author=author) for n in range(5)]
    await repos.books.delete(books[2])

    page = await repos.books.page_after(books[1].id, limit=10)

    assert [book.title for book in page.items] == ["Book 3", "Book 4"]
    assert page.next_after is None
    assert (await repos.books.page_after(books[-1].id)).items == []


async def test_take_copy_never_goes_below_zero(repos: Repos) -> None:
    book = await repos.book(copies=2)

    taken = [await repos.books.take_copy(book.id) for _ in range(3)]

    assert taken == [True, True, False]
    # The book was just added, so ``get`` finds it (None would fail the test anyway).
    assert (await repos.books.get(book.id)).copies_available == 0  # type: ignore[union-attr]
    if repos.session is not None:  # the row itself, not just the object in the session
        stored = await repos.session.scalar(select(Book.copies_available).where(Book.id == book.id))
        assert stored == 0


async def test_take_copy_of_an_unknown_book_takes_nothing(repos: Repos) -> None:
    assert await repos.books.take_copy(999) is False


async def test_put_back_copy_never_goes_above_total(repos: Repos) -> None:
    book = await repos.book(copies=2)
    await repos.books.take_copy(book.id)

    await repos.books.put_back_copy(book.id)
    await repos.books.put_back_copy(book.id)
    await repos.books.put_back_copy(999)  # unknown: nothing to do, no error

    # The book was just added, so ``get`` finds it (None would fail the test anyway).
    assert (await repos.books.get(book.id)).copies_available == 2  # type: ignore[union-attr]


# --- Members --------------------------------------------------------------------------------


async def test_member_defaults(repos: Repos) -> None:
    member = await repos.member()

    assert (member.active, member.max_loans) == (True, 5)


async def test_duplicate_email_is_refused(repos: Repos) -> None:
    await repos.member("ada@example.com")

    with pytest.raises(DuplicateError):
        await repos.member("ada@example.com")


async def test_get_by_email_matches_exactly(repos: Repos) -> None:
    """Normalising case is the service's job; the repository compares as stored."""
    member = await repos.member("ada@example.com")

    assert await repos.members.get_by_email("ada@example.com") is member
    assert await repos.members.get_by_email("ADA@example.com") is None
    assert await repos.members.get_by_email("grace@example.com") is None


async def test_get_for_update_returns_the_member(repos: Repos) -> None:
    member = await repos.member()

    assert await repos.members.get_for_update(member.id) is member


async def test_get_for_update_locks_the_way_its_dialect_can(engine: AsyncEngine) -> None:
    """PostgreSQL: one ``SELECT ... FOR UPDATE``. SQLite, which has no ``FOR UPDATE``: the
    no-op UPDATE that takes the write lock, then the SELECT. Never a workaround elsewhere."""
    async with make_session_factory(engine)() as session:
        session.add(Member(name="Ada", email="ada@example.com"))
        await session.commit()
        sent: list[str] = []

        def log(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            sent.append(" ".join(statement.split()))

        event.listen(engine.sync_engine, "before_cursor_execute", log)
        try:
            member = await SqlMemberRepository(session).get_for_update(1)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", log)

    assert member is not None and member.email == "ada@example.com"
    if engine.dialect.name == "sqlite":
        assert len(sent) == 2 and sent[0].startswith("UPDATE members SET active"), sent
        assert sent[1].startswith("SELECT"), sent
    else:
        assert len(sent) == 1 and sent[0].startswith("SELECT"), sent
        assert sent[0].endswith("FOR UPDATE"), sent


async def test_list_members_filters_on_active_and_paginates(repos: Repos) -> None:
    for n, active in enumerate([True, False, True, True, False]):
        await repos.member(f"m{n}@example.com", active=active)

    def emails(members: list[Member]) -> list[str]:
        return [member.email.split("@")[0] for member in members]

    assert emails(await repos.members.list()) == ["m0", "m1", "m2", "m3", "m4"]
    assert emails(await repos.members.list(active=True)) == ["m0", "m2", "m3"]
    assert emails(await repos.members.list(active=False)) == ["m1", "m4"]
    assert emails(await repos.members.list(active=True, limit=1, offset=1)) == ["m2"]
    assert emails(await repos.members.list(limit=2, offset=4)) == ["m4"]


async def test_delete_member(repos: Repos) -> None:
    member = await repos.member()

    await repos.members.delete(member)

    assert await repos.members.get_by_email(member.email) is None


# --- Loans ----------------------------------------------------------------------------------


@pytest.fixture
async def lending(repos: Repos) -> tuple[Repos, Member, Member, Book, Book]:
    ada = await repos.member("ada@example.com")
    grace = await repos.member("grace@example.com")
    author = await repos.author()
    dune = await repos.book("Dune", author=author, copies=3)
    emma = await repos.book("Emma", author=author, copies=3)
    return repos, ada, grace, dune, emma


async def test_find_open_ignores_returned_loans_and_other_members(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, grace, dune, emma = lending
    await repos.loans.add(loan_of(ada, dune, returned=True))
    await repos.loans.add(loan_of(grace, emma))
    assert await repos.loans.find_open(ada.id, dune.id) is None
    assert await repos.loans.find_open(ada.id, emma.id) is None

    current = await repos.loans.add(loan_of(ada, dune))

    assert await repos.loans.find_open(ada.id, dune.id) is current
    assert await repos.loans.get(current.id) is current


async def test_count_open_counts_only_open_loans_of_the_member(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, grace, dune, emma = lending
    assert await repos.loans.count_open(ada.id) == 0

    await repos.loans.add(loan_of(ada, dune))
    await repos.loans.add(loan_of(ada, emma, returned=True))
    await repos.loans.add(loan_of(grace, emma))

    assert await repos.loans.count_open(ada.id) == 1
    assert await repos.loans.count_open(grace.id) == 1
    assert await repos.loans.count_open(999) == 0


async def test_count_for_book_counts_every_loan_ever(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, grace, dune, emma = lending
    await repos.loans.add(loan_of(ada, dune, returned=True))
    await repos.loans.add(loan_of(ada, dune))
    await repos.loans.add(loan_of(grace, dune))

    assert await repos.loans.count_for_book(dune.id) == 3
    assert await repos.loans.count_for_book(emma.id) == 0


async def test_list_for_member_in_id_order_optionally_open_only(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, grace, dune, emma = lending
    first = await repos.loans.add(loan_of(ada, emma, returned=True))
    second = await repos.loans.add(loan_of(ada, dune))
    third = await repos.loans.add(loan_of(ada, emma))
    await repos.loans.add(loan_of(grace, dune))

    assert [loan.id for loan in await repos.loans.list_for_member(ada.id)] == [
        first.id,
        second.id,
        third.id,
    ]
    assert [loan.id for loan in await repos.loans.list_for_member(ada.id, open_only=True)] == [
        second.id,
        third.id,
    ]
    assert await repos.loans.list_for_member(999) == []


async def test_a_second_open_loan_of_the_same_book_is_refused(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, _grace, dune, _emma = lending
    await repos.loans.add(loan_of(ada, dune))

    with pytest.raises(DuplicateError):
        await repos.loans.add(loan_of(ada, dune))


async def test_the_same_book_can_be_borrowed_again_after_return(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, _grace, dune, _emma = lending
    first = await repos.loans.add(loan_of(ada, dune))
    first.returned_at = TODAY + timedelta(days=1)  # returned: the ORM flushes it on the next add

    again = await repos.loans.add(loan_of(ada, dune))
    history = await repos.loans.add(loan_of(ada, dune, returned=True))

    assert await repos.loans.find_open(ada.id, dune.id) is again
    assert {loan.id for loan in await repos.loans.list_for_member(ada.id)} == {
        first.id,
        again.id,
        history.id,
    }


async def test_mark_returned_closes_an_open_loan_once(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, _grace, dune, _emma = lending
    loan = await repos.loans.add(loan_of(ada, dune))

    first = await repos.loans.mark_returned(loan.id, TODAY + timedelta(days=3))
    again = await repos.loans.mark_returned(loan.id, TODAY + timedelta(days=9))

    assert (first, again) == (True, False)
    # The loan was just added, so ``get`` finds it (None would fail the test anyway).
    assert (await repos.loans.get(loan.id)).returned_at == TODAY + timedelta(days=3)  # type: ignore[union-attr]
    assert await repos.loans.find_open(ada.id, dune.id) is None
    assert await repos.loans.count_open(ada.id) == 0
    assert await repos.loans.add(loan_of(ada, dune))  # the book can be borrowed again


async def test_mark_returned_reloads_a_loan_another_session_has_returned(
    file_engine: AsyncEngine,
) -> None:
    sessions = make_session_factory(file_engine)
    async with sessions() as setup:
        author = Author(name="Frank Herbert")
        setup.add(author)
        await setup.flush()
        book = Book(
            title="Dune",
            isbn=make_isbn(1),
            year=1965,
            copies_total=1,
            copies_available=0,
            author_id=author.id,
        )
        member = Member(name="Ada", email="ada@example.com")
        setup.add_all([book, member])
        await setup.flush()
        setup.add(loan_of(member, book))
        await setup.commit()
    async with sessions() as mine, sessions() as theirs:
        held = await mine.get(Loan, 1)
        assert await SqlLoanRepository(theirs).mark_returned(1, TODAY) is True
        await theirs.commit()

        changed = await SqlLoanRepository(mine).mark_returned(1, TODAY + timedelta(days=1))

        assert changed is False
        assert held is not None and held.returned_at == TODAY  # what the database holds


async def test_mark_returned_of_an_unknown_loan_changes_nothing(repos: Repos) -> None:
    assert await repos.loans.mark_returned(999, TODAY) is False


async def test_extend_due_moves_the_due_date_only_from_the_date_seen_of_an_open_loan(
    lending: tuple[Repos, Member, Member, Book, Book],
) -> None:
    repos, ada, _grace, dune, _emma = lending
    loan = await repos.loans.add(loan_of(ada, dune))
    due, later = loan.due_at, loan.due_at + timedelta(days=14)

    moved = await repos.loans.extend_due(loan.id, due, later)
    stale = await repos.loans.extend_due(loan.id, due, later + timedelta(days=14))
    await repos.loans.mark_returned(loan.id, TODAY)
    closed = await repos.loans.extend_due(loan.id, later, later + timedelta(days=1))

    assert (moved, stale, closed) == (True, False, False)
    # get() may return None; the loan was just added, so it is there
    assert (await repos.loans.get(loan.id)).due_at == later  # type: ignore[union-attr]
    assert await repos.loans.extend_due(999, due, later) is False


async def test_extend_due_reloads_a_loan_another_session_has_renewed(
    file_engine: AsyncEngine,
) -> None:
    sessions = make_session_factory(file_engine)
    async with sessions() as setup:
        author = Author(name="Frank Herbert")
        setup.add(author)
        await setup.flush()
        book = Book(
            title="Dune",
            isbn=make_isbn(1),
            year=1965,
            copies_total=1,
            copies_available=0,
            author_id=author.id,
        )
        member = Member(name="Ada", email="ada@example.com")
        setup.add_all([book, member])
        await setup.flush()
        setup.add(loan_of(member, book))
        await setup.commit()
    async with sessions() as mine, sessions() as theirs:
        held = await mine.get(Loan, 1)
        assert held is not None
        seen, renewed = held.due_at, held.due_at + timedelta(days=14)
        assert await SqlLoanRepository(theirs).extend_due(1, seen, renewed) is True
        await theirs.commit()

        changed = await SqlLoanRepository(mine).extend_due(1, seen, renewed)

        assert changed is False
        assert held.due_at == renewed  # what the database holds
