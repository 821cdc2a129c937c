"""The API contract of the lending library: Pydantic v2 schemas (notebook 01).

Each resource has schemas named by their role at the boundary:

- ``*Create``: what a client may send to create it. Unknown fields are
  rejected (``extra="forbid"``), so a client cannot set what the server owns.
- ``*Update``: a partial update. Every field is optional; a field the client
  leaves out is not changed (``model_dump(exclude_unset=True)``), and ``null``
  is refused for columns that cannot be null.
- ``*Read``: what the API returns. Built from ORM objects
  (``from_attributes=True``), listing only public fields, so an internal
  attribute never reaches a response.

Values that follow from stored data (``BookRead.is_available``,
``LoanRead.is_overdue``) are computed, never stored. ``is_overdue`` depends on
the date, so it is computed for an explicit ``as_of`` date, never the clock.

This module is the checkpoint restored as ``lending.schemas`` for every
notebook after 01; it passes the tests of notebook 01's exercises.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Protocol, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

__all__ = [
    "MAX_ID",
    "MAX_LOAN_DAYS",
    "AuthorCreate",
    "AuthorRead",
    "BookCreate",
    "BookFilter",
    "BookRead",
    "BookUpdate",
    "LoanCreate",
    "LoanRead",
    "MemberCreate",
    "MemberRead",
    "MemberUpdate",
    "StoredLoan",
    "apply_book_update",
    "apply_member_update",
    "isbn13_check_digit",
    "normalise_isbn13",
]

MAX_ID = 2**31 - 1
"""The widest id any database stores: PostgreSQL's INTEGER holds 32 bits (SQLite's 64), so
an id past it is the client's error (422) before any database sees it, not a 500."""

MAX_LOAN_DAYS = 60
"""The longest loan the library grants, in days."""

_NOT_NULL = "may be left out, but not set to null"


# --- ISBN-13 -----------------------------------------------------------------


def isbn13_check_digit(first_twelve: str) -> int:
    """The check digit that completes the 12 digits ``first_twelve``.

    Digits are weighted 1, 3, 1, 3, ...; the check digit brings the weighted
    sum to a multiple of 10.
    """
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first_twelve))
    return (10 - total % 10) % 10


def normalise_isbn13(value: str) -> str:
    """``value`` as 13 bare digits; hyphens and spaces are dropped.

    Raises ``ValueError`` (which Pydantic reports as a validation error) when
    the value is not 13 digits or its check digit is wrong.
    """
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise ValueError("an ISBN-13 has exactly 13 digits (hyphens and spaces allowed)")
    if int(digits[-1]) != isbn13_check_digit(digits[:12]):
        raise ValueError("the ISBN-13 check digit does not match: check for a typo")
    return digits


# --- Authors -----------------------------------------------------------------


class AuthorCreate(BaseModel):
    """A new author, as a client sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)


class AuthorRead(BaseModel):
    """An author, as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


# --- Books -------------------------------------------------------------------


class BookCreate(BaseModel):
    """A new book, as a client sends it; the server sets ``copies_available``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    isbn: str
    year: int = Field(ge=1450, le=2100)
    author_id: int = Field(gt=0, le=MAX_ID)
    copies_total: int = Field(default=1, ge=1, le=100)

    @field_validator("isbn")
    @classmethod
    def check_isbn(cls, value: str) -> str:
        return normalise_isbn13(value)


class BookUpdate(BaseModel):
    """A partial update of a book: only the fields the client sends change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    isbn: str | None = None
    year: int | None = Field(default=None, ge=1450, le=2100)

    @field_validator("title", "isbn", "year", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_NOT_NULL)
        return value

    @field_validator("isbn")
    @classmethod
    def check_isbn(cls, value: str | None) -> str | None:
        return None if value is None else normalise_isbn13(value)


class BookRead(BaseModel):
    """A book, as the API returns it; internal attributes are never listed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    isbn: str
    year: int
    author_id: int
    copies_total: int
    copies_available: int

    @computed_field  # type: ignore[prop-decorator]  # Pydantic's form; mypy wants @property alone
    @property
    def is_available(self) -> bool:
        """Whether a copy can be borrowed now: computed, never stored."""
        return self.copies_available > 0


class BookFilter(BaseModel):
    """Query parameters for listing books; both year bounds are inclusive."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title_contains: str | None = Field(default=None, min_length=1, max_length=200)
    year_from: int | None = None
    year_to: int | None = None

    @model_validator(mode="after")
    def check_year_range(self) -> Self:
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise ValueError("year_from must not be after year_to")
        return self


def apply_book_update(book: BookRead, update: BookUpdate) -> BookRead:
    """A copy of ``book`` with the fields set in ``update`` changed."""
    return book.model_copy(update=update.model_dump(exclude_unset=True))


# --- Members -----------------------------------------------------------------


class MemberCreate(BaseModel):
    """A new member, as a client sends it; the server sets ``id`` and ``active``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    max_loans: int = Field(default=5, ge=1, le=10)


class MemberUpdate(BaseModel):
    """A partial update of a member: only the fields the client sends change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    active: bool | None = None
    max_loans: int | None = Field(default=None, ge=1, le=10)

    @field_validator("name", "email", "active", "max_loans", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_NOT_NULL)
        return value


def apply_member_update(current: dict[str, Any], update: MemberUpdate) -> dict[str, Any]:
    """A new dict: ``current`` with the fields set in ``update`` changed.

    ``current`` itself is not modified. A field set to a falsy value
    (``active=False``) is applied like any other.
    """
    return {**current, **update.model_dump(exclude_unset=True)}


class MemberRead(BaseModel):
    """A member, as the API returns it: never a password hash or staff notes."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    active: bool
    max_loans: int


# --- Loans -------------------------------------------------------------------


class LoanCreate(BaseModel):
    """A loan recorded at the desk, with the desk's dates."""

    model_config = ConfigDict(extra="forbid")

    member_id: int = Field(gt=0, le=MAX_ID)
    book_id: int = Field(gt=0, le=MAX_ID)
    borrowed_at: date
    due_at: date

    @model_validator(mode="after")
    def check_due_date(self) -> Self:
        if self.due_at <= self.borrowed_at:
            raise ValueError("due_at must be after borrowed_at")
        if self.due_at - self.borrowed_at > timedelta(days=MAX_LOAN_DAYS):
            raise ValueError(f"a loan lasts at most {MAX_LOAN_DAYS} days")
        return self


class StoredLoan(Protocol):
    """What :meth:`LoanRead.from_loan` reads: the stored columns of a loan (the ORM ``Loan``)."""

    @property
    def id(self) -> int: ...
    @property
    def member_id(self) -> int: ...
    @property
    def book_id(self) -> int: ...
    @property
    def borrowed_at(self) -> date: ...
    @property
    def due_at(self) -> date: ...
    @property
    def returned_at(self) -> date | None: ...


class LoanRead(BaseModel):
    """A loan, as the API returns it; ``is_overdue`` is computed, never stored."""

    id: int
    member_id: int
    book_id: int
    borrowed_at: date
    due_at: date
    returned_at: date | None
    is_overdue: bool

    @classmethod
    def from_loan(cls, loan: StoredLoan, *, as_of: date) -> Self:
        """Read the stored fields of ``loan`` and compute ``is_overdue`` on ``as_of``.

        A loan is overdue when it has not been returned and ``as_of`` is past
        its due date; on the due date itself it is not overdue yet.
        """
        returned_at = loan.returned_at
        return cls(
            id=loan.id,
            member_id=loan.member_id,
            book_id=loan.book_id,
            borrowed_at=loan.borrowed_at,
            due_at=loan.due_at,
            returned_at=returned_at,
            is_overdue=returned_at is None and as_of > loan.due_at,
        )
