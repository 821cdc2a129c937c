"""The models layer: what the database itself enforces, and how the ORM classes behave.

These tests talk to SQLite through a session and no repository: each constraint
must hold whatever code writes to the tables.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from sqlalchemy.pool import QueuePool, StaticPool

from lending_reference.db import POSTGRES_POOL, create_schema, make_engine, make_session_factory
from lending_reference.models import NAMING_CONVENTION, Author, Base, Book, Loan, Member

from .conftest import TODAY, make_isbn

pytestmark = pytest.mark.anyio


async def add_author(session: AsyncSession, name: str = "Mary Shelley") -> Author:
    author = Author(name=name)
    session.add(author)
    await session.flush()
    return author


def book_for(author: Author, **overrides: object) -> Book:
    fields: dict[str, object] = {
        "title": "Frankenstein",
        "isbn": make_isbn(1),
        "year": 1818,
        "copies_total": 2,
        "copies_available": 2,
        "author_id": author.id,
    }
    fields.update(overrides)
    # ``fields`` mixes column values of several types, each the column's own.
    return Book(**fields)  # type: ignore[arg-type]


async def add_member_and_book(session: AsyncSession) -> tuple[Member, Book]:
    author = await add_author(session)
    member = Member(name="Ada", email="ada@example.com")
    book = book_for(author)
    session.add_all([member, book])
    await session.flush()
    return member, book


def open_loan(member: Member, book: Book, borrowed_at: date = TODAY) -> Loan:
    return Loan(
        member_id=member.id,
        book_id=book.id,
        borrowed_at=borrowed_at,
        due_at=borrowed_at + timedelta(days=14),
    )


async def flush_fails(session: AsyncSession, *objects: Base) -> str:
    """Add ``objects``, flush, expect the database to refuse; what it says was violated.

    SQLite says it in its message (``UNIQUE constraint failed: members.email``);
    PostgreSQL names the constraint (``uq_members_email``), which is what is returned.
    """
    session.add_all(objects)
    with pytest.raises(IntegrityError) as caught:
        await session.flush()
    await session.rollback()
    orig = caught.value.orig
    assert orig is not None
    return getattr(orig.__cause__, "constraint_name", None) or str(orig)


def on(session: AsyncSession, *, sqlite: str, postgresql: str) -> str:
    """The expected answer for the database ``session`` is bound to."""
    return {"sqlite": sqlite, "postgresql": postgresql}[session.get_bind().dialect.name]


# --- Constraints enforced by the database ---------------------------------------------


async def test_a_valid_graph_is_stored(session: AsyncSession) -> None:
    member, book = await add_member_and_book(session)
    loan = open_loan(member, book)
    session.add(loan)
    await session.commit()

    assert (member.id, book.id, loan.id) == (1, 1, 1)
    assert await session.scalar(select(Loan.returned_at).where(Loan.id == loan.id)) is None


async def test_member_email_is_unique(session: AsyncSession) -> None:
    session.add(Member(name="Ada", email="ada@example.com"))
    await session.flush()

    message = await flush_fails(session, Member(name="Other Ada", email="ada@example.com"))

    assert message == on(
        session, sqlite="UNIQUE constraint failed: members.email", postgresql="uq_members_email"
    )


async def test_book_isbn_is_unique(session: AsyncSession) -> None:
    author = await add_author(session)
    session.add(book_for(author))
    await session.flush()

    message = await flush_fails(session, book_for(author, title="Another"))

    assert message == on(
        session, sqlite="UNIQUE constraint failed: books.isbn", postgresql="uq_books_isbn"
    )


@pytest.mark.parametrize("isbn", ["978030640615", "97803064061570", ""])
async def test_isbn_has_exactly_13_characters(session: AsyncSession, isbn: str) -> None:
    author = await add_author(session)
    if len(isbn) > 13 and session.get_bind().dialect.name == "postgresql":
        session.add(book_for(author, isbn=isbn))
        with pytest.raises(DBAPIError, match="value too long"):  # VARCHAR(13), before the check
            await session.flush()
        return

    message = await flush_fails(session, book_for(author, isbn=isbn))

    assert message == on(
        session,
        sqlite="CHECK constraint failed: ck_books_isbn_13_digits",
        postgresql="ck_books_isbn_13_digits",
    )


@pytest.mark.parametrize(
    ("available", "total", "constraint"),
    [
        (-1, 2, "ck_books_copies_available_not_negative"),
        (3, 2, "ck_books_copies_available_le_total"),
    ],
)
async def test_copies_available_between_zero_and_total(
    session: AsyncSession, available: int, total: int, constraint: str
) -> None:
    author = await add_author(session)

    message = await flush_fails(
        session, book_for(author, copies_available=available, copies_total=total)
    )

    assert message == on(
        session, sqlite=f"CHECK constraint failed: {constraint}", postgresql=constraint
    )


@pytest.mark.parametrize("available", [0, 2])
async def test_copies_available_bounds_are_inclusive(session: AsyncSession, available: int) -> None:
    author = await add_author(session)
    session.add(book_for(author, copies_available=available, copies_total=2))
    await session.flush()


async def test_taking_a_copy_below_zero_is_refused_by_the_database(session: AsyncSession) -> None:
    author = await add_author(session)
    book = book_for(author, copies_available=0)
    session.add(book)
    await session.flush()

    book.copies_available -= 1
    with pytest.raises(IntegrityError, match="copies_available_not_negative"):
        await session.flush()


async def test_max_loans_is_at_least_one(session: AsyncSession) -> None:
    message = await flush_fails(session, Member(name="Ada", email="ada@example.com", max_loans=0))

    assert message == on(
        session,
        sqlite="CHECK constraint failed: ck_members_max_loans_positive",
        postgresql="ck_members_max_loans_positive",
    )


async def test_book_needs_an_existing_author(session: AsyncSession) -> None:
    """SQLite ignores foreign keys unless told; ``make_engine`` tells every connection."""
    message = await flush_fails(session, book_for(Author(name="never saved"), author_id=999))

    assert message == on(
        session, sqlite="FOREIGN KEY constraint failed", postgresql="fk_books_author_id_authors"
    )


async def test_loan_needs_an_existing_member_and_book(session: AsyncSession) -> None:
    due = TODAY + timedelta(days=1)

    message = await flush_fails(
        session, Loan(member_id=41, book_id=42, borrowed_at=TODAY, due_at=due)
    )

    if session.get_bind().dialect.name == "postgresql":  # it names the first key it checked
        assert message in ("fk_loans_member_id_members", "fk_loans_book_id_books")
    else:
        assert message == "FOREIGN KEY constraint failed"


async def test_foreign_keys_are_on_for_every_pooled_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/fk.db")
    try:
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize("days", [0, -1])
async def test_loan_is_due_after_it_is_borrowed(session: AsyncSession, days: int) -> None:
    member, book = await add_member_and_book(session)
    due = TODAY + timedelta(days=days)

    message = await flush_fails(
        session, Loan(member_id=member.id, book_id=book.id, borrowed_at=TODAY, due_at=due)
    )

    assert message == on(
        session,
        sqlite="CHECK constraint failed: ck_loans_due_after_borrowed",
        postgresql="ck_loans_due_after_borrowed",
    )


async def test_two_open_loans_of_one_book_by_one_member_are_refused(
    session: AsyncSession,
) -> None:
    member, book = await add_member_and_book(session)
    session.add(open_loan(member, book))
    await session.flush()

    message = await flush_fails(session, open_loan(member, book))

    assert message == on(
        session,
        sqlite="UNIQUE constraint failed: loans.member_id, loans.book_id",
        postgresql="uq_loans_open_member_book",
    )


async def test_the_book_can_be_borrowed_again_once_returned(session: AsyncSession) -> None:
    member, book = await add_member_and_book(session)
    first = open_loan(member, book)
    session.add(first)
    await session.flush()
    first.returned_at = TODAY + timedelta(days=3)
    await session.flush()

    again = open_loan(member, book, borrowed_at=TODAY + timedelta(days=4))
    session.add(again)
    await session.flush()
    closed = open_loan(member, book, borrowed_at=TODAY - timedelta(days=30))
    closed.returned_at = TODAY - timedelta(days=20)
    session.add(closed)  # any number of returned loans: the index is partial
    await session.commit()

    count = await session.scalar(select(func.count()).where(Loan.book_id == book.id))
    assert count == 3


async def test_other_members_may_hold_the_same_book(session: AsyncSession) -> None:
    member, book = await add_member_and_book(session)
    other = Member(name="Grace", email="grace@example.com")
    session.add(other)
    await session.flush()

    session.add_all([open_loan(member, book), open_loan(other, book)])
    await session.flush()


# --- Relationships: lazy="raise" ------------------------------------------------------


@pytest.fixture
async def saved_loan(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        member, book = await add_member_and_book(session)
        loan = open_loan(member, book)
        session.add(loan)
        await session.commit()
        return loan.id


@pytest.mark.parametrize(
    ("model", "relationship"),
    [(Book, "author"), (Book, "loans"), (Author, "books"), (Member, "loans"), (Loan, "book")],
)
async def test_an_unloaded_relationship_raises_instead_of_loading(
    session_factory: async_sessionmaker[AsyncSession],
    saved_loan: int,
    model: type[Base],
    relationship: str,
) -> None:
    async with session_factory() as session:
        entity = await session.get(model, 1)
        assert entity is not None

        with pytest.raises(InvalidRequestError, match=f"'{model.__name__}.{relationship}'"):
            getattr(entity, relationship)


async def test_selectinload_loads_relationships_explicitly(
    session_factory: async_sessionmaker[AsyncSession], saved_loan: int
) -> None:
    async with session_factory() as session:
        loan = await session.scalar(
            select(Loan)
            .where(Loan.id == saved_loan)
            .options(
                selectinload(Loan.book).selectinload(Book.author),
                selectinload(Loan.member).selectinload(Member.loans),
            )
        )
    assert loan is not None
    # the session is closed: everything below was loaded by the query above
    assert loan.book.author.name == "Mary Shelley"
    assert loan.book.title == "Frankenstein"
    assert [other.id for other in loan.member.loans] == [saved_loan]


async def test_relationships_are_not_part_of_the_constructor() -> None:
    with pytest.raises(TypeError):
        # Wrong on purpose: relationships are not constructor arguments.
        Author(name="x", books=[])  # type: ignore[call-arg]


# --- Dataclass behaviour, reprs, expire_on_commit ----------------------------------------


def test_defaults_apply_when_an_object_is_created() -> None:
    member = Member(name="Ada", email="ada@example.com")

    assert (member.active, member.max_loans) == (True, 5)
    assert Loan(member_id=1, book_id=1, borrowed_at=TODAY, due_at=TODAY).returned_at is None


async def test_reprs_show_fields_and_no_memory_address(session: AsyncSession) -> None:
    member, book = await add_member_and_book(session)
    loan = open_loan(member, book)
    session.add(loan)
    await session.flush()

    author = await session.get(Author, book.author_id)
    for entity in (author, book, member, loan):
        text_ = repr(entity)
        assert not re.search(r"0x[0-9a-f]{6,}", text_), text_
        assert text_.startswith(f"{type(entity).__name__}(id=")
    assert repr(member) == (
        "Member(id=1, name='Ada', email='ada@example.com', active=True, max_loans=5)"
    )
    assert "loans" not in repr(book)  # printing never triggers a (raising) load


async def test_repr_of_a_new_object_has_no_id_yet() -> None:
    assert repr(Author(name="New")) == "Author(id=None, name='New')"


async def test_objects_stay_readable_after_commit_and_close(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """``expire_on_commit=False``: no lazy reload (MissingGreenlet) after the commit."""
    async with session_factory() as session:
        member = Member(name="Ada", email="ada@example.com")
        session.add(member)
        await session.commit()
    assert (member.id, member.name, member.active) == (1, "Ada", True)


# --- Naming convention and db plumbing ----------------------------------------------------


def test_naming_convention_names_every_constraint() -> None:
    tables = Base.metadata.tables
    names = {
        table: sorted(
            {str(c.name) for c in tables[table].constraints}
            | {str(i.name) for i in tables[table].indexes}
        )
        for table in ("authors", "books", "members", "loans")
    }

    assert names == {
        "authors": ["pk_authors"],
        "books": [
            "ck_books_copies_available_le_total",
            "ck_books_copies_available_not_negative",
            "ck_books_isbn_13_digits",
            "fk_books_author_id_authors",
            "ix_books_author_id",
            "pk_books",
            "uq_books_isbn",
        ],
        "members": ["ck_members_max_loans_positive", "pk_members", "uq_members_email"],
        "loans": [
            "ck_loans_due_after_borrowed",
            "ck_loans_returned_not_before_borrowed",  # notebook 08, migration 0003
            "fk_loans_book_id_books",
            "fk_loans_member_id_members",
            "ix_loans_book_id",
            "ix_loans_member_id",
            "pk_loans",
            "uq_loans_open_member_book",
        ],
    }
    convention = Base.metadata.naming_convention
    assert dict(convention).items() >= NAMING_CONVENTION.items()


async def test_the_database_knows_the_conventional_names(engine: AsyncEngine) -> None:
    def reflect(connection: Connection) -> dict[str, list[Any]]:
        inspector = inspect(connection)
        return {
            "ck": inspector.get_check_constraints("books"),
            "uq": inspector.get_unique_constraints("members"),
            "fk": inspector.get_foreign_keys("loans"),
            "ix": inspector.get_indexes("loans"),
        }

    async with engine.connect() as connection:
        found = await connection.run_sync(reflect)

    assert sorted(ck["name"] for ck in found["ck"]) == [
        "ck_books_copies_available_le_total",
        "ck_books_copies_available_not_negative",
        "ck_books_isbn_13_digits",
    ]
    assert [uq["name"] for uq in found["uq"]] == ["uq_members_email"]
    assert sorted(fk["name"] for fk in found["fk"]) == [
        "fk_loans_book_id_books",
        "fk_loans_member_id_members",
    ]
    partial = {ix["name"]: ix for ix in found["ix"]}["uq_loans_open_member_book"]
    assert partial["unique"]
    assert partial["column_names"] == ["member_id", "book_id"]
    where = partial["dialect_options"][f"{engine.dialect.name}_where"]
    assert str(where).strip("()") == "returned_at IS NULL"


async def test_in_memory_engine_shares_one_connection_between_sessions() -> None:
    engine = make_engine()
    try:
        assert isinstance(engine.pool, StaticPool)
        await create_schema(engine)
        factory = make_session_factory(engine)
        async with factory() as writer:
            writer.add(Author(name="Seen by the other session"))
            await writer.commit()
        async with factory() as reader:
            assert await reader.scalar(select(Author.name)) == "Seen by the other session"
    finally:
        await engine.dispose()


async def test_a_postgresql_pool_keeps_what_a_crowd_opened(file_engine: AsyncEngine) -> None:
    """12 requests at once open 12 connections; PostgreSQL's pool keeps them all for the
    next crowd (no login and server process per request), SQLite's its default 5."""
    crowd = 12  # within SQLite's default pool too (5 kept, 10 more lent)
    arrived = asyncio.Barrier(crowd)

    async def hold_a_connection() -> None:
        async with file_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await arrived.wait()  # all 12 connections open at the same time

    await asyncio.gather(*(hold_a_connection() for _ in range(crowd)))
    pool = file_engine.pool
    assert isinstance(pool, QueuePool)
    kept = crowd if file_engine.dialect.name == "postgresql" else 5
    assert pool.checkedin() == kept


def test_a_given_pool_option_wins_over_postgresqls_defaults() -> None:
    url = "postgresql+asyncpg://lending@127.0.0.1:5432/nowhere"  # no connection is made
    default, given = make_engine(url), make_engine(url, pool_size=3)
    assert isinstance(default.pool, QueuePool) and isinstance(given.pool, QueuePool)
    assert default.pool.size() == POSTGRES_POOL["pool_size"]
    assert given.pool.size() == 3
    assert given.pool.overflow() == -3  # nothing opened: the overflow counter starts at -size


async def test_the_session_factory_keeps_objects_after_commit(engine: AsyncEngine) -> None:
    factory = make_session_factory(engine)

    assert factory.kw["expire_on_commit"] is False
    assert factory.kw["bind"] is engine
