"""Reference models layer (notebook 02): the tables, as typed SQLAlchemy 2.x classes.

Rules the database itself enforces, whatever code writes to it: unique ISBN and
e-mail, an ISBN of exactly 13 digits, ``0 <= copies_available <= copies_total``,
foreign keys, and at most one *open* loan per member and book (a partial unique
index). Relationships use ``lazy="raise"``: an async session cannot load
lazily, so every load must be explicit (``selectinload``) or it fails loudly.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Index, MetaData, String, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(MappedAsDataclass, DeclarativeBase, kw_only=True):
    """Declarative base: dataclass constructors and reprs, predictable constraint names.

    ``MappedAsDataclass`` applies defaults when an object is *created* (not only
    when it is inserted) and gives a readable ``repr``. Relationships are left
    out of ``__init__`` and ``repr``: printing must never trigger a load. Every model
    here maps to a ``Table``; SQLAlchemy types ``__table__`` as the wider ``FromClause``.
    """

    __table__: ClassVar[Table]
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(200))

    books: Mapped[list[Book]] = relationship(
        back_populates="author", lazy="raise", init=False, repr=False
    )


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("copies_available >= 0", name="copies_available_not_negative"),
        CheckConstraint("copies_available <= copies_total", name="copies_available_le_total"),
        # 13 characters, and nothing left once every digit is trimmed off both ends:
        # 13 digits. trim(text, characters) reads the same in SQLite and PostgreSQL.
        CheckConstraint(
            "length(isbn) = 13 AND trim(isbn, '0123456789') = ''", name="isbn_13_digits"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    title: Mapped[str] = mapped_column(String(200))
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    year: Mapped[int]
    copies_total: Mapped[int]
    copies_available: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)

    author: Mapped[Author] = relationship(
        back_populates="books", lazy="raise", init=False, repr=False
    )
    loans: Mapped[list[Loan]] = relationship(
        back_populates="book", lazy="raise", init=False, repr=False
    )


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (CheckConstraint("max_loans >= 1", name="max_loans_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    max_loans: Mapped[int] = mapped_column(default=5)

    loans: Mapped[list[Loan]] = relationship(
        back_populates="member", lazy="raise", init=False, repr=False
    )


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("due_at > borrowed_at", name="due_after_borrowed"),
        # One open loan per member and book: the database refuses a double borrow.
        Index(
            "uq_loans_open_member_book",
            "member_id",
            "book_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    borrowed_at: Mapped[date]
    due_at: Mapped[date]
    returned_at: Mapped[date | None] = mapped_column(default=None)

    member: Mapped[Member] = relationship(
        back_populates="loans", lazy="raise", init=False, repr=False
    )
    book: Mapped[Book] = relationship(back_populates="loans", lazy="raise", init=False, repr=False)
