"""Fifty members borrow the last copy at once, over real HTTP: exactly one may win.

The reference service runs under uvicorn in a process of its own (see
:func:`helpers.perf.server.serving_process`) on a database migrated to head, SQLite
file or PostgreSQL alike. Everything the race needs is made over HTTP as a client
would: a librarian (the one account put in the database directly, since somebody
must be able to sign in first) adds a book with one copy and registers the members,
each member logs in, and then every member asks for the copy at the same moment.
The rules live in the database (a conditional ``UPDATE``, a partial unique index),
so whatever the interleaving, one borrow is a 201 and every other a 409 problem.

:func:`run_race` returns what happened; it asserts nothing, so the test and the
benchmark (``benchmarks/race.py``) judge the same figures.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from lending_reference import migrate
from lending_reference.db import make_engine, make_session_factory
from lending_reference.models import Loan, Member
from lending_reference.security import AccountService, Role, TokenConfig, hasher_for
from lending_reference.settings import Settings

from .server import serving_process

CHEAP_ARGON2 = {"time_cost": "1", "memory_kib": "8", "parallelism": "1"}
"""Argon2's cheapest parameters: these passwords protect nothing, and logins are not raced."""
SECRET = "race-signing-key-" + "x" * 32
LIBRARIAN = ("Lin Librarian", "librarian@example.org", "librarian-password")
PASSWORD = "member-password-{n}"
TIMEOUT_S = 60.0


def service_environment(database_url: str) -> dict[str, str]:
    """The ``LENDING_*`` settings the served app reads: this database, migrated, cheap hashes."""
    return {
        "LENDING_DATABASE_URL": database_url,
        "LENDING_CREATE_TABLES": "false",
        "LENDING_TOKEN_SECRET": SECRET,
        **{f"LENDING_ARGON2_{name.upper()}": value for name, value in CHEAP_ARGON2.items()},
    }


async def prepare(database_url: str) -> None:
    """Migrate an empty database to head and give it its first account, a librarian's."""
    await migrate.upgrade(database_url, quiet=True)
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        token_secret=SecretStr(SECRET),
    )
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        name, email, password = LIBRARIAN
        async with factory() as session:
            librarian = Member(name=name, email=email)
            session.add(librarian)
            await session.commit()
            member_id = librarian.id
        hasher = hasher_for(*(int(value) for value in CHEAP_ARGON2.values()))
        accounts = AccountService(factory, hasher, TokenConfig.from_settings(settings))
        await accounts.set_password(member_id, SecretStr(password), role=Role.LIBRARIAN)
    finally:
        await engine.dispose()


@contextmanager
def serving_service(database_url: str) -> Iterator[str]:
    """The reference service under uvicorn on ``database_url``; yields its base URL."""
    with serving_process(
        "lending_reference.app:create_app",
        env=service_environment(database_url),
        ready_path="/health",
    ) as base_url:
        yield base_url


@dataclass(frozen=True)
class RaceOutcome:
    """What the borrowers got, and what the service and the database say afterwards."""

    borrowers: int
    statuses: Counter[int]
    """How many borrows answered each status code."""
    problems: Counter[tuple[str, str]]
    """Of the answers that were not a 201: (content type, problem code), counted."""
    copies_available: int
    """The book's availability as ``GET /books/{id}`` reads it back after the race."""
    availability_seen: tuple[int, ...]
    """``copies_available`` as a reader polling the book saw it while the borrows ran."""
    open_loans: int
    """The database's own count of the book's open loans."""
    seconds: float
    """Wall time from the first borrow sent to the last answer received."""

    def summary(self) -> str:
        statuses = ", ".join(f"{count} x {code}" for code, count in sorted(self.statuses.items()))
        problems = ", ".join(f"{count} x {code}" for (_, code), count in self.problems.items())
        return (
            f"{self.borrowers} borrowers in {self.seconds * 1e3:.0f} ms: {statuses}"
            f" ({problems or 'no problems'}); copies available {self.copies_available},"
            f" (lowest seen during the race {min(self.availability_seen, default=1)}),"
            f" open loans in the database {self.open_loans}"
        )


async def run_race(base_url: str, database_url: str, *, borrowers: int = 50) -> RaceOutcome:
    """Register ``borrowers`` members, log each in, then let all borrow one last copy at once."""
    limits = httpx.Limits(max_connections=borrowers + 1, max_keepalive_connections=borrowers + 1)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=TIMEOUT_S) as client:
        librarian = await _log_in(client, LIBRARIAN[1], LIBRARIAN[2])
        book_id = await _last_copy(client, librarian)
        members = [await _register(client, librarian, n) for n in range(1, borrowers + 1)]
        tokens = await asyncio.gather(
            *(
                _log_in(client, email, PASSWORD.format(n=n))
                for n, (_, email) in enumerate(members, start=1)
            )
        )
        seen: list[int] = []
        done = asyncio.Event()
        started = time.perf_counter()
        watcher = asyncio.create_task(_watch(client, book_id, seen, done))
        answers = await asyncio.gather(
            *(
                client.post(f"/members/{member_id}/loans", json={"book_id": book_id}, headers=token)
                for (member_id, _), token in zip(members, tokens, strict=True)
            )
        )
        seconds = time.perf_counter() - started
        done.set()
        await watcher
        book = await _ok(await client.get(f"/books/{book_id}"))
    return RaceOutcome(
        borrowers=borrowers,
        statuses=Counter(answer.status_code for answer in answers),
        problems=Counter(
            (answer.headers.get("content-type", ""), str(answer.json().get("code")))
            for answer in answers
            if answer.status_code != 201
        ),
        copies_available=int(str(book["copies_available"])),
        availability_seen=tuple(seen),
        open_loans=await _open_loans(database_url, book_id),
        seconds=seconds,
    )


async def _watch(
    client: httpx.AsyncClient, book_id: int, seen: list[int], done: asyncio.Event
) -> None:
    """Read the book's availability, sent with the borrows and again until they are done."""
    while not done.is_set():
        book = await _ok(await client.get(f"/books/{book_id}"))
        seen.append(int(str(book["copies_available"])))


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, not {status}: {response.text[:500]}"
        )
    body: dict[str, object] = response.json() if response.content else {}
    return body


async def _log_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    token = await _ok(await client.post("/token", data={"username": email, "password": password}))
    return {"Authorization": f"Bearer {token['access_token']}"}


async def _last_copy(client: httpx.AsyncClient, librarian: dict[str, str]) -> int:
    author = await _ok(
        await client.post("/authors", json={"name": "Octavia E. Butler"}, headers=librarian), 201
    )
    book = {
        "title": "Kindred",
        "isbn": "9780807016442",
        "year": 1979,
        "author_id": author["id"],
        "copies_total": 1,
    }
    created = await _ok(await client.post("/books", json=book, headers=librarian), 201)
    return int(str(created["id"]))


async def _register(
    client: httpx.AsyncClient, librarian: dict[str, str], n: int
) -> tuple[int, str]:
    email = f"borrower{n}@example.org"
    body = {"name": f"Borrower {n}", "email": email}
    member = await _ok(await client.post("/members", json=body, headers=librarian), 201)
    member_id = int(str(member["id"]))
    password = {"password": PASSWORD.format(n=n)}
    await _ok(
        await client.put(f"/members/{member_id}/password", json=password, headers=librarian), 204
    )
    return member_id, email


async def _open_loans(database_url: str, book_id: int) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(Loan.book_id == book_id, Loan.returned_at.is_(None))
            return int(await connection.scalar(query) or 0)
    finally:
        await engine.dispose()
