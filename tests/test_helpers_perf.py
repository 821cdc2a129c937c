"""helpers.perf: the measuring kit of notebook 10 and the service benchmark.

Each piece measures what it says on a small case whose answer is known: percentiles of
a known list, a plan that scans and one that searches, work that grows with the rows
read, sessions shared or not, a real server answering a real load generator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from helpers.perf.apps import memory_app, memory_books
from helpers.perf.data import Library, isbn, loan_book, seed_library
from helpers.perf.load import python_load
from helpers.perf.server import serving
from helpers.perf.sessions import SessionWatch
from helpers.perf.sqlite import WorkCounter, query_plan, uses_index
from helpers.perf.stats import percentile, summarise
from lending_reference.db import create_schema, make_engine
from lending_reference.models import Book, Loan
from lending_reference.schemas import normalise_isbn13

pytestmark = pytest.mark.anyio

SIZE = Library(authors=3, books=2_000, members=7, loans=200)


@pytest.fixture
async def library(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/library.db")
    await create_schema(engine)
    await seed_library(engine, SIZE)
    try:
        yield engine
    finally:
        await engine.dispose()


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]
    assert [percentile(values, f) for f in (0.01, 0.5, 0.9, 0.99, 1.0)] == [1, 50, 90, 99, 100]
    assert percentile([7.0], 0.99) == 7.0
    summary = summarise(values, seconds=2.0)
    assert (summary.throughput, summary.p50, summary.p99) == (50.0, 50.0, 99.0)
    for fraction in (0.0, 1.01):
        with pytest.raises(ValueError):
            percentile(values, fraction)
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_seeded_rows_are_valid_and_never_lend_a_book_twice() -> None:
    assert all(normalise_isbn13(isbn(n)) == isbn(n) for n in (1, 49_999, 999_999_999))
    pairs = {(i % 2_000 + 1, loan_book(i, 50_000)) for i in range(1, 20_001)}
    assert len(pairs) == 20_000
    with pytest.raises(ValueError, match="too many loans"):
        asyncio.run(seed_library(make_engine(), Library(books=2, members=2, loans=5)))


async def test_a_seeded_library_has_the_rows_it_says(library: AsyncEngine) -> None:
    async with library.connect() as connection:
        counts = [
            await connection.scalar(select(func.count()).select_from(t)) for t in (Book, Loan)
        ]
        open_loans = await connection.scalar(select(func.count()).where(Loan.returned_at.is_(None)))
    assert counts == [SIZE.books, SIZE.loans]
    assert open_loans == SIZE.loans // 3


async def test_plans_and_work_tell_a_scan_from_a_search(library: AsyncEngine) -> None:
    deep = select(Book).order_by(Book.id).limit(10).offset(1_900)
    keyset = select(Book).where(Book.id > 1_900).order_by(Book.id).limit(10)
    async with library.connect() as connection:
        assert await query_plan(connection, deep) == ["SCAN books"]
        plan = await query_plan(connection, keyset)
        assert uses_index(plan, "books") and not uses_index(["SCAN books"], "books")
        async with WorkCounter(connection) as scan:
            await connection.execute(deep)
        async with WorkCounter(connection) as search:
            await connection.execute(keyset)
        async with WorkCounter(connection) as idle:
            pass
    assert search.steps < scan.steps / 10
    assert idle.steps == 0


async def test_work_counter_refuses_what_is_not_sqlite() -> None:
    class Fake:
        async def get_raw_connection(self) -> object:
            class Raw:
                driver_connection = object()

            return Raw()

    with pytest.raises(TypeError, match="SQLite"):
        # Wrong on purpose: a fake engine that is not SQLite's.
        async with WorkCounter(Fake()):  # type: ignore[arg-type]
            pass


async def test_session_watch_sees_sharing_and_concurrency(library: AsyncEngine) -> None:
    async def count(factory: object, member: int) -> int:
        # ``factory`` is whichever session factory the test passes.
        async with factory() as session:  # type: ignore[operator]
            return int(await session.scalar(select(func.count()).where(Loan.member_id == member)))

    each = SessionWatch(library)
    await asyncio.gather(*(count(each.factory, m) for m in range(1, 5)))
    assert (each.tasks, each.shared(), each.unclosed(), each.most_at_once()) == (4, [], [], 4)

    in_turn = SessionWatch(library)
    for member in range(1, 4):
        await count(in_turn.factory, member)
    assert (len(in_turn.records), in_turn.most_at_once()) == (3, 1)

    one = SessionWatch(library)
    async with one.factory() as session:
        await asyncio.gather(
            *(session.scalar(select(func.count()).where(Loan.member_id == m)) for m in (1, 2)),
            return_exceptions=True,
        )
    assert len(one.shared()) == 1 and one.unclosed() == []


async def test_a_real_server_under_a_real_load() -> None:
    app = memory_app()
    with serving(app) as base:
        result = await python_load(base + "/books?limit=5", connections=4, seconds=0.3)
        missing = await python_load(base + "/nowhere", connections=1, seconds=0.1)
    assert result.tool == "python" and result.errors == 0
    assert result.summary.requests == len(result.latencies) > 0
    assert result.summary.p50 <= result.summary.p99
    assert missing.errors == missing.summary.requests > 0
    assert len(memory_books(7)) == 7


async def test_load_goes_to_127_0_0_1_only() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        await python_load("http://example.org:80/", seconds=0.1)


def test_a_server_whose_lifespan_fails_says_so() -> None:
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    from contextlib import asynccontextmanager

    with (
        pytest.raises(RuntimeError, match="did not start"),
        serving(FastAPI(lifespan=asynccontextmanager(lifespan))),
    ):
        pass
