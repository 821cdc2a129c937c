"""Reference database plumbing (notebook 02): async engine and session factory.

SQLite (through aiosqlite) is the default everywhere a learner goes; any other
SQLAlchemy async URL, such as ``postgresql+asyncpg://...``, works unchanged.
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

from helpers.reference.models import Base

DEFAULT_URL = "sqlite+aiosqlite:///:memory:"


def make_engine(url: str = DEFAULT_URL, **options: Any) -> AsyncEngine:
    """An async engine; on SQLite, foreign keys are switched on for every connection.

    An in-memory SQLite database lives inside one connection, so the engine then
    keeps exactly one (``StaticPool``) and every session sees the same data.
    """
    if url.startswith("sqlite") and ":memory:" in url:
        from sqlalchemy.pool import StaticPool

        options.setdefault("poolclass", StaticPool)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table (notebooks and tests; a deployed service uses migrations)."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
