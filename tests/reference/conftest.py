"""Fixtures for the reference service's tests: clocks, engines, repositories, services.

Every database is private to one test: an in-memory SQLite database where one
connection suffices, a file under ``tmp_path`` where sessions must run
concurrently, and each SQL test again on a real PostgreSQL server (a throwaway
one, see ``postgres_base_url``). Every engine is disposed at teardown, so no connection outlives
its test (``filterwarnings = error`` would turn a leak into a failure).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coursetools.postgres import empty_database
from lending_reference.clock import FixedClock
from lending_reference.db import DEFAULT_URL, create_schema, make_engine, make_session_factory
from lending_reference.models import Author, Book, Member
from lending_reference.repositories import (
    BookRepository,
    InMemoryBookRepository,
    InMemoryLoanRepository,
    InMemoryMemberRepository,
    InMemoryRepository,
    LoanRepository,
    MemberRepository,
    SqlBookRepository,
    SqlLoanRepository,
    SqlMemberRepository,
    SqlRepository,
)
from lending_reference.schemas import AuthorCreate, BookCreate, MemberCreate, isbn13_check_digit
from lending_reference.services import (
    CatalogueService,
    InMemoryUnitOfWork,
    LendingService,
    MemberService,
    SqlUnitOfWork,
    UnitOfWork,
)
from lending_reference.settings import Settings, get_settings

TODAY = date(2026, 1, 15)
"""The date every fixed clock starts on."""


def make_isbn(n: int) -> str:
    """The ``n``-th valid ISBN-13 (978 prefix, correct check digit)."""
    twelve = f"978{n:09d}"
    return twelve + str(isbn13_check_digit(twelve))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """asyncio only; session-scoped, so one event loop runner serves every test."""
    return "asyncio"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


# --- Databases: each SQL test runs on SQLite and on a real PostgreSQL server ----------------

DATABASES = ["sqlite", "postgresql"]


async def _url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return await empty_database(request.getfixturevalue("postgres_base_url"))


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database: SQLite in memory (one connection suffices), or PostgreSQL."""
    return await _url(request, DEFAULT_URL)


@pytest.fixture(params=DATABASES)
async def file_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database whose sessions get connections of their own, and can race."""
    return await _url(request, f"sqlite+aiosqlite:///{tmp_path}/library.db")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database with the schema."""
    engine = make_engine(database_url)
    await create_schema(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def file_engine(file_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose sessions get their own connections and can race."""
    engine = make_engine(file_database_url)
    if engine.dialect.name == "sqlite":
        # no fsync: a test's database need not survive a power cut; locking is unchanged
        event.listen(engine.sync_engine, "connect", _no_fsync)
    await create_schema(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


# --- Repositories -------------------------------------------------------------------


class SqlAuthorRepository(SqlRepository[Author]):
    model = Author


@dataclass
class Repos:
    """One implementation of every repository, sharing one session (Sql) or none (fake)."""

    kind: str
    authors: SqlRepository[Author] | InMemoryRepository[Author]
    books: BookRepository
    members: MemberRepository
    loans: LoanRepository
    session: AsyncSession | None = None
    _isbns: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def author(self, name: str = "Ursula K. Le Guin") -> Author:
        return await self.authors.add(Author(name=name))

    async def book(
        self,
        title: str = "A Wizard of Earthsea",
        *,
        year: int = 1968,
        copies: int = 1,
        author: Author | None = None,
        isbn: str | None = None,
    ) -> Book:
        author = author or await self.author()
        return await self.books.add(
            Book(
                title=title,
                isbn=isbn or make_isbn(next(self._isbns)),
                year=year,
                copies_total=copies,
                copies_available=copies,
                author_id=author.id,
            )
        )

    async def member(self, email: str = "ada@example.com", **fields: object) -> Member:
        # ``fields`` are any Member columns the test names; their types are the test's concern.
        return await self.members.add(Member(name="Ada", email=email, **fields))  # type: ignore[arg-type]


@pytest.fixture(params=["memory", *DATABASES])
async def repos(request: pytest.FixtureRequest) -> AsyncIterator[Repos]:
    """The contract suite runs once per implementation (and database): all behave the same."""
    if request.param == "memory":
        yield Repos(
            "memory",
            InMemoryRepository[Author](),
            InMemoryBookRepository(),
            InMemoryMemberRepository(),
            InMemoryLoanRepository(),
        )
        return
    engine = make_engine(await _url(request, DEFAULT_URL))
    try:
        await create_schema(engine)
        async with make_session_factory(engine)() as session:
            yield Repos(
                request.param,
                SqlAuthorRepository(session),
                SqlBookRepository(session),
                SqlMemberRepository(session),
                SqlLoanRepository(session),
                session,
            )
    finally:
        await engine.dispose()


# --- Services -------------------------------------------------------------------------


@dataclass
class Library:
    """The three services over one unit of work, and helpers to fill the catalogue."""

    uow: UnitOfWork
    clock: FixedClock
    loan_days: int = 14
    _isbns: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _emails: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def catalogue(self) -> CatalogueService:
        return CatalogueService(self.uow)

    @property
    def members(self) -> MemberService:
        return MemberService(self.uow)

    @property
    def lending(self) -> LendingService:
        return LendingService(self.uow, self.clock, loan_days=self.loan_days)

    async def author(self, name: str = "Octavia E. Butler") -> Author:
        return await self.catalogue.add_author(AuthorCreate(name=name))

    async def book(
        self, title: str = "Kindred", *, copies: int = 1, year: int = 1979, isbn: str | None = None
    ) -> Book:
        author = await self.author()
        data = BookCreate(
            title=title,
            isbn=isbn or make_isbn(next(self._isbns)),
            year=year,
            author_id=author.id,
            copies_total=copies,
        )
        return await self.catalogue.add_book(data)

    async def member(self, *, email: str | None = None, max_loans: int = 5) -> Member:
        email = email or f"member{next(self._emails)}@example.com"
        return await self.members.register(
            MemberCreate(name="Member", email=email, max_loans=max_loans)
        )


@pytest.fixture(params=["memory", *DATABASES])
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWork]:
    """The fake, or the real unit of work over an empty database."""
    if request.param == "memory":
        yield InMemoryUnitOfWork()
        return
    engine = make_engine(await _url(request, DEFAULT_URL))
    try:
        await create_schema(engine)
        yield SqlUnitOfWork(make_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def library(uow: UnitOfWork, clock: FixedClock) -> Library:
    return Library(uow, clock)


# --- Settings -------------------------------------------------------------------------


@pytest.fixture
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No ``LENDING_*`` variable, no ``.env`` file, an empty settings cache (before and after)."""
    for setting in Settings.model_fields:
        monkeypatch.delenv(f"LENDING_{setting.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
