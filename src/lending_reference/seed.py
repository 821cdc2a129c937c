"""A small, fixed library to start notebooks and tests from: same ids every time."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .models import Author, Book, Member

AUTHORS = ("Ursula K. Le Guin", "Terry Pratchett", "Octavia E. Butler")
BOOKS = (
    # title, isbn, year, copies, author number (1-based, as in AUTHORS)
    ("A Wizard of Earthsea", "9780547773742", 1968, 2, 1),
    ("The Left Hand of Darkness", "9780441007714", 1969, 1, 1),
    ("Small Gods", "9780061052514", 1992, 3, 2),
    ("Kindred", "9780807016442", 1979, 1, 3),
)
MEMBERS = (
    # name, email, active, max_loans
    ("Ada Lovelace", "ada@example.org", True, 3),
    ("Grace Hopper", "grace@example.org", True, 5),
    ("Linus Pauling", "linus@example.org", False, 2),
)


async def seed(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Insert the sample authors, books and members into an empty database."""
    async with session_factory() as session:
        authors = [Author(name=name) for name in AUTHORS]
        session.add_all(authors)
        await session.flush()
        session.add_all(
            Book(
                title=title,
                isbn=isbn,
                year=year,
                copies_total=copies,
                copies_available=copies,
                author_id=authors[author - 1].id,
            )
            for title, isbn, year, copies, author in BOOKS
        )
        # A bulk INSERT names only these columns (and reads nothing back), so the seed fits
        # every version of the table: notebook 08's members.joined_on is the database's to fill.
        await session.execute(
            insert(Member),
            [
                {"name": name, "email": email, "active": active, "max_loans": max_loans}
                for name, email, active, max_loans in MEMBERS
            ],
        )
        await session.commit()
