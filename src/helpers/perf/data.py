"""A large library, the same on every run: enough rows for a plan or a page to matter.

Rows are inserted with Core ``insert`` and many parameter sets per statement, which is
about a hundred times faster than adding ORM objects one by one: 50,000 books take well
under a second on SQLite. Ids are consecutive from 1, so a notebook can name any row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from math import gcd, lcm

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from lending_reference.models import Author, Book, Loan, Member
from lending_reference.schemas import isbn13_check_digit

START = date(2025, 1, 6)
"""The day the first loan of a seeded library was borrowed."""

BATCH = 5_000


@dataclass(frozen=True)
class Library:
    """How many rows of each kind a seeded library holds (ids are 1 to the count)."""

    authors: int = 500
    books: int = 50_000
    members: int = 2_000
    loans: int = 20_000


def isbn(n: int) -> str:
    """The ``n``-th valid ISBN-13 (prefix 978, correct check digit)."""
    twelve = f"978{n:09d}"
    return twelve + str(isbn13_check_digit(twelve))


def loan_book(i: int, books: int) -> int:
    """The book of loan ``i`` (1-based): spread over the catalogue, never twice per member."""
    return (i * 7919) % books + 1


def _authors(size: Library) -> Iterator[dict[str, object]]:
    for n in range(1, size.authors + 1):
        yield {"name": f"Author {n:04d}"}


def book_rows(size: Library) -> Iterator[dict[str, object]]:
    for n in range(1, size.books + 1):
        copies = n % 4 + 1
        yield {
            "title": f"Book {n:05d}",
            "isbn": isbn(n),
            "year": 1900 + n % 125,
            "copies_total": copies,
            "copies_available": copies,
            "author_id": n % size.authors + 1,
        }


def _members(size: Library) -> Iterator[dict[str, object]]:
    for n in range(1, size.members + 1):
        yield {
            "name": f"Member {n:04d}",
            "email": f"member{n:04d}@example.org",
            "active": n % 10 != 0,
            "max_loans": 5,
        }


def _loans(size: Library) -> Iterator[dict[str, object]]:
    """Loan ``i`` goes to member ``i % members + 1``; two in three are returned."""
    for i in range(1, size.loans + 1):
        borrowed = START + timedelta(days=i % 300)
        yield {
            "member_id": i % size.members + 1,
            "book_id": loan_book(i, size.books),
            "borrowed_at": borrowed,
            "due_at": borrowed + timedelta(days=14),
            "returned_at": borrowed + timedelta(days=7) if i % 3 else None,
        }


async def seed_library(engine: AsyncEngine, size: Library | None = None) -> Library:
    """Insert ``size``'s rows into the empty tables of ``engine``'s database."""
    size = size or Library()
    if size.loans and (size.members < 1 or size.books < 1):
        raise ValueError("loans need at least one member and one book")
    if size.loans > lcm(size.members, size.books // gcd(7919, size.books)):
        raise ValueError("too many loans for this library: a member would borrow a book twice")
    async with engine.begin() as connection:
        for model, rows in (
            (Author, _authors(size)),
            (Book, book_rows(size)),
            (Member, _members(size)),
            (Loan, _loans(size)),
        ):
            while batch := list(islice(rows, BATCH)):
                await connection.execute(insert(model), batch)
    return size
