"""Notebook 10's read path: the same answers as the ORM path, fewer queries, shared reads.

``GET /books`` answers bytes the reference builds itself (``reads``). These tests pin
that the bytes are what the route's ``response_model`` would have produced, that the
rows are those ``list`` finds, that identical reads in flight share a query only when
it began after they arrived, and that a SQLite file runs in WAL mode.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from helpers.perf.data import Library, seed_library
from helpers.sqllog import QueryLog
from lending_reference.app import create_app
from lending_reference.db import make_engine
from lending_reference.models import Book
from lending_reference.reads import BOOK_PAGE, BookReader, SharedReads
from lending_reference.repositories import SqlBookRepository, book_list_query
from lending_reference.schemas import BookFilter, BookRead
from lending_reference.settings import Settings

pytestmark = pytest.mark.anyio

SMALL = Library(authors=3, books=120, members=4, loans=10)


@pytest.fixture
async def seeded(engine: AsyncEngine) -> AsyncEngine:
    await seed_library(engine, SMALL)
    return engine


@pytest.mark.parametrize(
    "criteria",
    [
        {},
        {"title_contains": "Book 01"},
        {"year_from": 1950, "year_to": 1960},
        {"title_contains": "0", "year_from": 2000},
    ],
)
@pytest.mark.parametrize(("limit", "offset"), [(20, 0), (7, 100), (50, 119), (5, 120)])
async def test_rows_are_the_books_list_finds(
    seeded: AsyncEngine, criteria: dict[str, object], limit: int, offset: int
) -> None:
    from lending_reference.db import make_session_factory

    async with make_session_factory(seeded)() as session:
        repository = SqlBookRepository(session)
        # ``criteria`` are keyword filters of several types, from the parametrisation.
        books = await repository.list(**criteria, limit=limit, offset=offset)  # type: ignore[arg-type]
        rows = await repository.list_rows(**criteria, limit=limit, offset=offset)  # type: ignore[arg-type]
    expected = [BookRead.model_validate(book).model_dump() for book in books]
    assert [BookRead.model_validate(row).model_dump() for row in rows] == expected


def test_the_shared_query_orders_and_bounds_every_page() -> None:
    sql = str(book_list_query(select(Book), "x", 1990, 2000, limit=5, offset=10))
    assert "ORDER BY books.id" in sql and "LIMIT" in sql and "OFFSET" in sql
    assert "books.year >= :year_1 AND books.year <= :year_2" in sql


async def test_the_route_sends_what_its_response_model_would(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/library.db"
    settings = Settings(_env_file=None, database_url=url, create_tables=True)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await seed_library(app.state.session_factory.kw["bind"], SMALL)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/books", params={"limit": 3, "offset": 4})
            filtered = await client.get("/books", params={"title_contains": "book 0011"})
            refused = await client.get("/books", params={"limit": 101})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert [book["id"] for book in body] == [5, 6, 7]
    assert body[0] == {
        "id": 5,
        "title": "Book 00005",
        "isbn": body[0]["isbn"],
        "year": 1905,
        "author_id": 3,
        "copies_total": 2,
        "copies_available": 2,
        "is_available": True,
    }
    assert [book["title"] for book in filtered.json()] == [f"Book 0011{n}" for n in range(10)]
    assert refused.status_code == 422
    schema = app.openapi()["paths"]["/books"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"]["items"]["$ref"].endswith("BookRead")


def test_the_bytes_are_the_response_models_json() -> None:
    book = BookRead(
        id=1, title="É", isbn="9780547773742", year=1968, author_id=1,
        copies_total=1, copies_available=0,
    )  # fmt: skip
    assert json.loads(BOOK_PAGE.dump_json([book])) == [book.model_dump(mode="json")]


async def test_a_page_is_one_query(seeded: AsyncEngine) -> None:
    from lending_reference.db import make_session_factory

    reader = BookReader(make_session_factory(seeded))
    with QueryLog(seeded) as log:
        page = await reader.page_json(BookFilter(), limit=10, offset=0)
    assert [book["id"] for book in json.loads(page)] == list(range(1, 11))
    assert [s.split()[0] for s in log.statements] == ["SELECT"]


async def test_reads_in_flight_together_share_one_fetch() -> None:
    shared = SharedReads()
    calls = 0
    gate = asyncio.Event()

    async def fetch() -> bytes:
        nonlocal calls
        calls += 1
        await gate.wait()
        return f"answer {calls}".encode()

    first = asyncio.ensure_future(shared.read("page", fetch))
    await asyncio.sleep(0)  # the first read has begun
    crowd = [asyncio.ensure_future(shared.read("page", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    answers = await asyncio.gather(first, *crowd)
    # the crowd arrived while read 1 ran: read 1 may have missed a write they depend on,
    # so they share read 2, which began after all of them arrived
    assert answers == [b"answer 1"] + [b"answer 2"] * 5
    assert calls == 2
    assert shared._keys == {}  # nobody waits: the key is forgotten


async def test_different_keys_and_later_requests_read_again() -> None:
    shared = SharedReads()
    calls: list[str] = []

    async def fetch_for(key: str) -> bytes:
        calls.append(key)
        await asyncio.sleep(0)
        return key.encode()

    both = await asyncio.gather(
        shared.read("a", lambda: fetch_for("a")), shared.read("b", lambda: fetch_for("b"))
    )
    assert list(both) == [b"a", b"b"]
    assert await shared.read("a", lambda: fetch_for("a")) == b"a"
    assert calls == ["a", "b", "a"]  # one request alone always reads for itself


async def test_a_failed_read_is_not_shared() -> None:
    shared = SharedReads()
    attempts = 0

    async def flaky() -> bytes:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)
        if attempts == 1:
            raise OSError("database unavailable")
        return b"ok"

    results = await asyncio.gather(
        shared.read("k", flaky), shared.read("k", flaky), return_exceptions=True
    )
    assert isinstance(results[0], OSError) and results[1] == b"ok"
    assert shared._keys == {}


async def test_a_sqlite_file_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/library.db")
    try:
        async with engine.connect() as connection:
            mode = await connection.scalar(text("PRAGMA journal_mode"))
    finally:
        await engine.dispose()
    assert mode == "wal"
