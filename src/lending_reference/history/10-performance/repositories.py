"""Reference repositories layer (notebooks 03, 10): data access behind Protocols.

Services depend on the Protocols, never on SQLAlchemy. Each Protocol has two
implementations that pass one contract test suite: ``Sql...`` over an
``AsyncSession`` (one session per unit of work, never shared between tasks)
and ``InMemory...``, a fake for fast service tests. Repositories ``flush``
(send SQL, get ids) but never ``commit``: the unit of work owns the transaction.

Notebook 10 adds the read path of a busy listing: :func:`book_list_query` states
once which books a page of the listing holds, for ORM objects (``list``) and for plain
rows (``SqlBookRepository.list_rows``: no objects built or tracked, for a response
serialised straight from them), so that the two can never disagree. Rows are SQL's
business, so ``list_rows`` is not part of the ``BookRepository`` Protocol.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import CursorResult, Result, Row, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Base, Book, Loan, Member

ModelT = TypeVar("ModelT", bound=Base)
ItemT = TypeVar("ItemT")


class DuplicateError(Exception):
    """``add`` would break a uniqueness rule (e-mail, ISBN, one open loan per book)."""


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page of a keyset-paginated listing; ``next_after`` is the cursor for the next."""

    items: Sequence[ItemT]
    next_after: int | None


class BookRepository(Protocol):
    async def get(self, book_id: int) -> Book | None: ...
    async def add(self, book: Book) -> Book: ...
    async def delete(self, book: Book) -> None: ...
    async def list(
        self,
        *,
        title_contains: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Book]: ...
    async def get_by_isbn(self, isbn: str) -> Book | None: ...
    async def page_after(self, after: int | None, limit: int = 20) -> Page[Book]: ...
    async def take_copy(self, book_id: int) -> bool: ...
    async def put_back_copy(self, book_id: int) -> None: ...


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def get_for_update(self, member_id: int) -> Member | None: ...
    async def get_by_email(self, email: str) -> Member | None: ...
    async def add(self, member: Member) -> Member: ...
    async def delete(self, member: Member) -> None: ...
    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]: ...


class LoanRepository(Protocol):
    async def get(self, loan_id: int) -> Loan | None: ...
    async def add(self, loan: Loan) -> Loan: ...
    async def find_open(self, member_id: int, book_id: int) -> Loan | None: ...
    async def count_open(self, member_id: int) -> int: ...
    async def count_for_book(self, book_id: int) -> int: ...
    async def mark_returned(self, loan_id: int, on: date) -> bool: ...
    async def extend_due(self, loan_id: int, seen: date, until: date) -> bool: ...
    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]: ...


SelectT = TypeVar("SelectT", bound=Select[Any])


def book_list_query(
    query: SelectT,
    title_contains: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
) -> SelectT:
    """``query`` (books or their columns) narrowed to one page of a listing, by id."""
    query = query.order_by(Book.id).limit(limit).offset(offset)
    if title_contains:
        query = query.where(Book.title.icontains(title_contains, autoescape=True))
    if year_from is not None:
        query = query.where(Book.year >= year_from)
    if year_to is not None:
        query = query.where(Book.year <= year_to)
    return query


def _rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed.

    ``execute`` is typed to return a plain ``Result``; an UPDATE's is a ``CursorResult``,
    the kind that counts rows.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"an UPDATE answered with {type(result).__name__}, not a CursorResult")
    return result.rowcount


class SqlRepository(Generic[ModelT]):
    """What every SQLAlchemy repository shares: get by primary key, add, delete."""

    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, entity_id: int) -> ModelT | None:
        return await self.session.get(self.model, entity_id)

    async def add(self, entity: ModelT) -> ModelT:
        self.session.add(entity)
        try:
            await self.session.flush()  # sends the INSERT, assigns the id; no commit
        except IntegrityError as exc:
            raise DuplicateError(str(exc.orig)) from exc
        return entity

    async def delete(self, entity: ModelT) -> None:
        await self.session.delete(entity)
        await self.session.flush()


class SqlBookRepository(SqlRepository[Book]):
    model = Book

    async def list(
        self,
        *,
        title_contains: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Book]:
        query = book_list_query(
            select(Book), title_contains, year_from, year_to, limit=limit, offset=offset
        )
        return list(await self.session.scalars(query))

    async def list_rows(
        self,
        *,
        title_contains: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> Sequence[Row[tuple[object, ...]]]:
        """The books ``list`` finds, as rows with one attribute per column: for reading
        only (nothing to change, so no ORM objects are built or tracked)."""
        query = book_list_query(
            select(*Book.__table__.columns),
            title_contains,
            year_from,
            year_to,
            limit=limit,
            offset=offset,
        )
        return (await self.session.execute(query)).all()

    async def get_by_isbn(self, isbn: str) -> Book | None:
        return await self.session.scalar(select(Book).where(Book.isbn == isbn))

    async def page_after(self, after: int | None, limit: int = 20) -> Page[Book]:
        query = select(Book).order_by(Book.id).limit(limit + 1)
        if after is not None:
            query = query.where(Book.id > after)
        rows = list(await self.session.scalars(query))
        more = len(rows) > limit
        items = rows[:limit]
        return Page(items, items[-1].id if more else None)

    async def take_copy(self, book_id: int) -> bool:
        """Decrement availability only if a copy is left: one atomic, conditional UPDATE."""
        result = await self.session.execute(
            update(Book)
            .where(Book.id == book_id, Book.copies_available > 0)
            .values(copies_available=Book.copies_available - 1)
            .execution_options(synchronize_session="fetch")
        )
        return _rows_changed(result) == 1

    async def put_back_copy(self, book_id: int) -> None:
        await self.session.execute(
            update(Book)
            .where(Book.id == book_id, Book.copies_available < Book.copies_total)
            .values(copies_available=Book.copies_available + 1)
            .execution_options(synchronize_session="fetch")
        )


class SqlMemberRepository(SqlRepository[Member]):
    model = Member

    async def get_for_update(self, member_id: int) -> Member | None:
        """The member, locked until the transaction ends: concurrent borrows by one
        member then count open loans one after the other.

        ``SELECT ... FOR UPDATE`` takes the row lock. SQLite has no ``FOR UPDATE`` and
        reads outside any write lock, so there, and only there, a no-op UPDATE of the
        row comes first: it takes the database's write lock before anything is counted.
        """
        if self.session.get_bind().dialect.name == "sqlite":
            await self.session.execute(
                update(Member)
                .where(Member.id == member_id)
                .values(active=Member.active)
                .execution_options(synchronize_session=False)
            )
        return await self.session.get(Member, member_id, with_for_update=True)

    async def get_by_email(self, email: str) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.email == email))

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        query = select(Member).order_by(Member.id).limit(limit).offset(offset)
        if active is not None:
            query = query.where(Member.active.is_(active))
        return list(await self.session.scalars(query))


class SqlLoanRepository(SqlRepository[Loan]):
    model = Loan

    async def find_open(self, member_id: int, book_id: int) -> Loan | None:
        return await self.session.scalar(
            select(Loan).where(
                Loan.member_id == member_id, Loan.book_id == book_id, Loan.returned_at.is_(None)
            )
        )

    async def count_open(self, member_id: int) -> int:
        query = select(func.count()).where(Loan.member_id == member_id, Loan.returned_at.is_(None))
        return int(await self.session.scalar(query) or 0)

    async def count_for_book(self, book_id: int) -> int:
        query = select(func.count()).where(Loan.book_id == book_id)
        return int(await self.session.scalar(query) or 0)

    async def mark_returned(self, loan_id: int, on: date) -> bool:
        """Close the loan only if it is open: of two concurrent returns, one changes it.

        When nothing changed, another transaction may have closed the loan since
        this session read it: reload it, so a caller holding it answers the truth.
        """
        result = await self.session.execute(
            update(Loan)
            .where(Loan.id == loan_id, Loan.returned_at.is_(None))
            .values(returned_at=on)
            .execution_options(synchronize_session="fetch")
        )
        if _rows_changed(result) == 1:
            return True
        await self.session.get(Loan, loan_id, populate_existing=True)
        return False

    async def extend_due(self, loan_id: int, seen: date, until: date) -> bool:
        """Move the due date from ``seen`` to ``until`` only if the loan is open and still
        due on ``seen``: of two renewals that read the same due date, one changes it.

        When nothing changed, another transaction has renewed or returned the loan since
        this session read it: reload it, as ``mark_returned`` does.
        """
        result = await self.session.execute(
            update(Loan)
            .where(Loan.id == loan_id, Loan.returned_at.is_(None), Loan.due_at == seen)
            .values(due_at=until)
            .execution_options(synchronize_session="fetch")
        )
        if _rows_changed(result) == 1:
            return True
        await self.session.get(Loan, loan_id, populate_existing=True)
        return False

    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        query = select(Loan).where(Loan.member_id == member_id).order_by(Loan.id)
        if open_only:
            query = query.where(Loan.returned_at.is_(None))
        return list(await self.session.scalars(query))


class InMemoryRepository(Generic[ModelT]):
    """A dict standing in for a table: ids are assigned on add, like a flush would,
    and the columns named in ``unique`` are kept unique, like the database does."""

    unique: tuple[str, ...] = ()

    def __init__(self, items: Sequence[ModelT] = ()) -> None:
        self.items: dict[int, ModelT] = {}
        self._ids = itertools.count(1)
        for item in items:
            self._store(item)

    # Every model has an integer ``id``, but ``Base`` declares none, and a Protocol cannot
    # state it: a protocol's ``id: int`` is invariant and rejects the models' ``Mapped[int]``.
    def _store(self, entity: ModelT) -> ModelT:
        if getattr(entity, "id", None) is None:  # never an id already taken, like a database
            entity.id = next(i for i in self._ids if i not in self.items)  # type: ignore[attr-defined]
        self.items[entity.id] = entity  # type: ignore[attr-defined]  # see above
        return entity

    async def get(self, entity_id: int) -> ModelT | None:
        return self.items.get(entity_id)

    async def add(self, entity: ModelT) -> ModelT:
        for column in self.unique:
            value = getattr(entity, column)
            if any(getattr(other, column) == value for other in self.items.values()):
                raise DuplicateError(f"{column} {value!r} is already taken")
        return self._store(entity)

    async def delete(self, entity: ModelT) -> None:
        self.items.pop(entity.id, None)  # type: ignore[attr-defined]  # see _store

    def _sorted(self) -> list[ModelT]:
        return [self.items[key] for key in sorted(self.items)]


class InMemoryBookRepository(InMemoryRepository[Book]):
    unique: tuple[str, ...] = ("isbn",)

    async def list(
        self,
        *,
        title_contains: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Book]:
        books = [
            b
            for b in self._sorted()
            if (not title_contains or title_contains.casefold() in b.title.casefold())
            and (year_from is None or b.year >= year_from)
            and (year_to is None or b.year <= year_to)
        ]
        return books[offset : offset + limit]

    async def get_by_isbn(self, isbn: str) -> Book | None:
        return next((b for b in self.items.values() if b.isbn == isbn), None)

    async def page_after(self, after: int | None, limit: int = 20) -> Page[Book]:
        books = [b for b in self._sorted() if after is None or b.id > after]
        items = books[:limit]
        return Page(items, items[-1].id if len(books) > limit else None)

    async def take_copy(self, book_id: int) -> bool:
        book = self.items.get(book_id)
        if book is None or book.copies_available <= 0:
            return False
        book.copies_available -= 1
        return True

    async def put_back_copy(self, book_id: int) -> None:
        book = self.items.get(book_id)
        if book is not None and book.copies_available < book.copies_total:
            book.copies_available += 1


class InMemoryMemberRepository(InMemoryRepository[Member]):
    unique = ("email",)

    async def get_for_update(self, member_id: int) -> Member | None:
        return self.items.get(member_id)

    async def get_by_email(self, email: str) -> Member | None:
        return next((m for m in self.items.values() if m.email == email), None)

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        members = [m for m in self._sorted() if active is None or m.active is active]
        return members[offset : offset + limit]


class InMemoryLoanRepository(InMemoryRepository[Loan]):
    async def add(self, entity: Loan) -> Loan:
        if entity.returned_at is None and await self.find_open(entity.member_id, entity.book_id):
            raise DuplicateError("an open loan of this book by this member exists")
        return self._store(entity)

    async def find_open(self, member_id: int, book_id: int) -> Loan | None:
        return next(
            (
                loan
                for loan in self._sorted()
                if loan.member_id == member_id
                and loan.book_id == book_id
                and loan.returned_at is None
            ),
            None,
        )

    async def count_open(self, member_id: int) -> int:
        return len(await self.list_for_member(member_id, open_only=True))

    async def count_for_book(self, book_id: int) -> int:
        return sum(1 for loan in self.items.values() if loan.book_id == book_id)

    async def mark_returned(self, loan_id: int, on: date) -> bool:
        loan = self.items.get(loan_id)
        if loan is None or loan.returned_at is not None:
            return False
        loan.returned_at = on
        return True

    async def extend_due(self, loan_id: int, seen: date, until: date) -> bool:
        loan = self.items.get(loan_id)
        if loan is None or loan.returned_at is not None or loan.due_at != seen:
            return False
        loan.due_at = until
        return True

    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        return [
            loan
            for loan in self._sorted()
            if loan.member_id == member_id and not (open_only and loan.returned_at is not None)
        ]
