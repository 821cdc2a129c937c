"""Reference test kit (notebook 07): fixtures a suite of the service's tests builds on.

A pytest plugin: a suite loads it with ``pytest_plugins = ("lending.testing",)`` in its
``conftest.py`` (the capstone's, notebook 11's) and asks for what it needs by name.

- ``engine``: one async engine per test session, schema created once;
- ``connection`` and ``session_factory``: every test runs inside an outer transaction
  that is rolled back at its end, and every session joins it with
  ``join_transaction_mode="create_savepoint"``: code under test may ``commit()`` (it
  releases a savepoint) and still leaves nothing behind for the next test;
- ``clock``: a ``FixedClock`` on :data:`TODAY`, so every date in a test is known;
- ``make``: small factories for authors, books, members and loans, each row committed;
- ``uow``, ``lending``, ``members``, ``catalogue``: the services over the test's data;
- ``app`` and ``client``: the app on the test's data and clock (by
  ``dependency_overrides`` keyed by the exact callables the routes depend on, cleared
  after the test), its lifespan entered (``ASGITransport`` does not run it), called
  through ``httpx.AsyncClient``.

The database is SQLite in memory unless ``LENDING_TEST_DATABASE_URL`` names another
(``postgresql+asyncpg://...``): the same tests then run on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from .app import create_app
from .clock import FixedClock
from .db import DEFAULT_URL, create_schema, make_engine
from .deps import get_clock, get_session_factory
from .models import Author, Book, Loan, Member
from .schemas import isbn13_check_digit
from .services import CatalogueService, LendingService, MemberService, SqlUnitOfWork
from .settings import Settings

TODAY = date(2026, 1, 15)
"""The date every test's clock shows."""

RowT = TypeVar("RowT", Author, Book, Member, Loan)

BASE_URL = "http://library.test"
DATABASE_URL_VARIABLE = "LENDING_TEST_DATABASE_URL"


def make_isbn(n: int) -> str:
    """The ``n``-th valid ISBN-13 (978 prefix, correct check digit)."""
    twelve = f"978{n:09d}"
    return twelve + str(isbn13_check_digit(twelve))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """asyncio only, session-scoped: the session's engine and every test share one loop."""
    return "asyncio"


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ.get(DATABASE_URL_VARIABLE, DEFAULT_URL)


def make_test_engine(url: str) -> AsyncEngine:
    """An engine whose transactions can hold savepoints, on SQLite too.

    Python's sqlite3 driver begins transactions itself, late, and its SAVEPOINTs then
    escape the outer transaction (a test's commit would stay). Here SQLAlchemy emits
    every ``BEGIN``, as it does on PostgreSQL.
    """
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _driver_never_begins)
        event.listen(engine.sync_engine, "begin", _begin)
    return engine


def _driver_never_begins(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """One engine for the whole session: its connections belong to the session's loop."""
    engine = make_test_engine(database_url)
    await create_schema(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's connection, inside an outer transaction that is always rolled back."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        try:
            yield connection
        finally:
            await outer.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's connection; their commits release savepoints, nothing more."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


class Factories:
    """Rows with sensible defaults, each committed; every call makes a distinct one."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self._numbers = itertools.count(1)

    async def _saved(self, row: RowT) -> RowT:
        async with self.session_factory() as session:
            session.add(row)
            await session.commit()
        return row

    async def author(self, name: str = "Octavia E. Butler") -> Author:
        return await self._saved(Author(name=name))

    async def book(self, *, copies: int = 1, title: str = "Kindred", year: int = 1979) -> Book:
        author = await self.author()
        return await self._saved(
            Book(
                title=title,
                isbn=make_isbn(next(self._numbers)),
                year=year,
                copies_total=copies,
                copies_available=copies,
                author_id=author.id,
            )
        )

    async def member(self, *, active: bool = True, max_loans: int = 3) -> Member:
        n = next(self._numbers)
        return await self._saved(
            Member(
                name=f"Member {n}",
                email=f"member{n}@example.org",
                active=active,
                max_loans=max_loans,
            )
        )

    async def loan(
        self, member: Member, book: Book, *, borrowed_at: date = TODAY, days: int = 14
    ) -> Loan:
        """An open loan, taking one copy of the book as a borrow would."""
        async with self.session_factory() as session:
            stored = await session.get_one(Book, book.id)
            stored.copies_available -= 1
            loan = Loan(
                member_id=member.id,
                book_id=book.id,
                borrowed_at=borrowed_at,
                due_at=borrowed_at + timedelta(days=days),
            )
            session.add(loan)
            await session.commit()
        return loan


@pytest.fixture
def make(session_factory: async_sessionmaker[AsyncSession]) -> Factories:
    return Factories(session_factory)


@pytest.fixture
def uow(session_factory: async_sessionmaker[AsyncSession]) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory)


@pytest.fixture
def lending(uow: SqlUnitOfWork, clock: FixedClock) -> LendingService:
    return LendingService(uow, clock)


@pytest.fixture
def members(uow: SqlUnitOfWork) -> MemberService:
    return MemberService(uow)


@pytest.fixture
def catalogue(uow: SqlUnitOfWork) -> CatalogueService:
    return CatalogueService(uow)


@pytest.fixture
def app(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Iterator[FastAPI]:
    """The app on the test's data and clock; its overrides are cleared afterwards."""
    settings = Settings(_env_file=None, database_url=DEFAULT_URL)
    app = create_app(settings, create_tables=False)  # its own engine serves no request
    app.dependency_overrides[get_session_factory] = lambda: session_factory
    app.dependency_overrides[get_clock] = lambda: clock
    try:
        yield app
    finally:
        app.dependency_overrides.clear()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running app: the lifespan is entered here, as a server would."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        yield client
