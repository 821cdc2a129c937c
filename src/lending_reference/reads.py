"""Reference read path (notebook 10): pages of books as bytes, one query per crowd.

``GET /books`` is the busiest route and changes nothing, so it skips what a write
needs and a read does not:

- no ORM objects: the repository's ``list_rows`` returns plain rows;
- one validation and one serialisation by a ``TypeAdapter`` built at import, instead of
  FastAPI's validate-then-serialise of the route's return value on every request. This
  is safe because the adapter's type is the route's ``response_model``: the bytes are
  what FastAPI would send (``tests/reference/test_reads.py`` compares them);
- an ``async def`` dependency: FastAPI runs a plain ``def`` dependency in a worker
  thread, one hop per dependency per request;
- identical requests at the same time share one read (:class:`SharedReads`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .repositories import SqlBookRepository
from .schemas import BookFilter, BookRead

BOOK_PAGE = TypeAdapter(list[BookRead])
"""The listing's response model, built once: validation and JSON encoding in one place."""

READ_ONLY = {"isolation_level": "AUTOCOMMIT"}
"""A page is one SELECT, a consistent snapshot by itself: run outside a transaction, it
spares a database server two round trips (BEGIN, ROLLBACK) per read; SQLite's driver
never wrapped a SELECT in one anyway."""


@dataclass
class _Key:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    started: int = 0  # reads of this key begun so far
    last: tuple[int, bytes] | None = None  # (the number of the read, its answer)
    waiting: int = 0


class SharedReads:
    """Requests for the same page share a read that started after they all arrived.

    A request takes a ticket, the number of reads of its key begun so far, and waits
    its turn. When its turn comes, a read numbered above its ticket has begun after
    it arrived and so saw every write committed before it arrived: its answer is as
    fresh as a read of its own. Otherwise it reads itself, and the requests that
    arrived meanwhile share that read. Under a crowd, one query answers each wave;
    alone, a request reads as before. Keys nobody waits for are forgotten.
    """

    def __init__(self) -> None:
        self._keys: dict[Hashable, _Key] = {}

    async def read(self, key: Hashable, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        entry = self._keys.setdefault(key, _Key())
        ticket = entry.started
        entry.waiting += 1
        try:
            async with entry.lock:
                if entry.last is not None and entry.last[0] > ticket:
                    return entry.last[1]
                entry.started += 1
                number = entry.started
                answer = await fetch()
                entry.last = (number, answer)
                return answer
        finally:
            entry.waiting -= 1
            if entry.waiting == 0:
                del self._keys[key]


_SHARED: WeakKeyDictionary[async_sessionmaker[AsyncSession], SharedReads] = WeakKeyDictionary()


class BookReader:
    """Pages of the book listing, ready to send: JSON bytes."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self.shared = _SHARED.setdefault(session_factory, SharedReads())

    async def page_json(self, filters: BookFilter, *, limit: int = 20, offset: int = 0) -> bytes:
        criteria = filters.model_dump(include=set(BookFilter.model_fields), exclude_none=True)

        async def fetch() -> bytes:
            async with self.session_factory() as session:
                await session.connection(execution_options=READ_ONLY)
                rows = await SqlBookRepository(session).list_rows(
                    **criteria, limit=limit, offset=offset
                )
            return BOOK_PAGE.dump_json(BOOK_PAGE.validate_python(rows, from_attributes=True))

        key = (tuple(sorted(criteria.items())), limit, offset)
        return await self.shared.read(key, fetch)


async def get_book_reader(request: Request) -> BookReader:
    """The reader over the lifespan's session factory (``async def``: no thread hop)."""
    return BookReader(request.app.state.session_factory)


BookReaderDep = Annotated[BookReader, Depends(get_book_reader)]
