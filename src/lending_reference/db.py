"""Reference database plumbing (notebooks 02, 10): async engine and session factory.

SQLite (through aiosqlite) is the default everywhere a learner goes; any other
SQLAlchemy async URL, such as ``postgresql+asyncpg://...``, works unchanged.

Notebook 10 puts a SQLite database file in WAL mode (write-ahead log): readers then
never wait for a writer, nor a writer for readers, and a commit no longer rewrites
the database file. The mode is a property of the file, so setting it on every new
connection costs nothing after the first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .models import Base

DEFAULT_URL = "sqlite+aiosqlite:///:memory:"

POSTGRES_POOL = {"pool_size": 32, "max_overflow": 16}
"""A PostgreSQL pool that keeps up to 32 connections open, each opened only when first
needed. SQLAlchemy's default keeps 5 and closes every one past them when it comes back,
so one worker under more than 5 concurrent requests opens and closes connections all the
time: each a TCP handshake, a login and a server process forked, and asyncpg's prepared
statements lost (13% more CPU per request at 32 concurrent reads, docs/postgresql.md).
Past 32, 16 more are lent for a burst; a server's ``max_connections`` (100 by default)
must cover every worker's 48. No pre-ping: it would cost a round trip per checkout.
SQLite keeps the default: its connections are cheap to open, and more of them at once
only queue for the one file (measured slower)."""


def make_engine(url: str = DEFAULT_URL, **options: Any) -> AsyncEngine:
    """An async engine; on SQLite, every connection enforces foreign keys and folds case fully.

    An in-memory SQLite database lives inside one connection, so the engine then
    keeps exactly one (``StaticPool``) and every session sees the same data. On
    PostgreSQL the pool keeps more connections open than SQLAlchemy's default
    (:data:`POSTGRES_POOL`). Any option given wins.
    """
    if url.startswith("sqlite") and ":memory:" in url:
        from sqlalchemy.pool import StaticPool

        options.setdefault("poolclass", StaticPool)
    if url.startswith("postgresql"):
        options = {**POSTGRES_POOL, **options}
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connection)
    return engine


def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; a ``lower()`` that folds every script, not only ASCII.

    Case-insensitive matching (``ilike``, ``icontains``) compiles to ``lower()``
    on SQLite, whose own version leaves 'É' alone; PostgreSQL's folds it.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # a :memory: database answers "memory"
    cursor.close()
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table (notebooks and tests; a deployed service uses migrations)."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
