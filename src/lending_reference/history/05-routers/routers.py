"""Reference routers (notebook 05): thin HTTP adapters over the services.

A route parses the request (schemas), calls one service method, and states
the response: ``response_model``, status code, ``Location`` for a creation.
No rule and no SQL lives here. Each router is one group of routes under one
prefix; the app (``.app``) decides which routers it serves.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from .deps import (
    CatalogueDep,
    ClockDep,
    LendingDep,
    MemberServiceDep,
    SessionFactoryDep,
)
from .models import Author, Book, Member
from .schemas import (
    AuthorCreate,
    AuthorRead,
    BookCreate,
    BookFilter,
    BookRead,
    BookUpdate,
    LoanRead,
    MemberCreate,
    MemberRead,
    MemberUpdate,
)


class BookQuery(BookFilter):
    """The query string of ``GET /books``: the filters plus one page's bounds."""

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class BorrowRequest(BaseModel):
    """The body of ``POST /members/{id}/loans``: the server sets the dates."""

    model_config = ConfigDict(extra="forbid")

    book_id: int = Field(gt=0)


class Health(BaseModel):
    """The body of ``GET /health``: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


authors = APIRouter(prefix="/authors", tags=["authors"])
books = APIRouter(prefix="/books", tags=["books"])
members = APIRouter(prefix="/members", tags=["members"])
member_loans = APIRouter(prefix="/members/{member_id}/loans", tags=["loans"])
loans = APIRouter(prefix="/loans", tags=["loans"])
health = APIRouter(tags=["health"])


@authors.post("", status_code=status.HTTP_201_CREATED, response_model=AuthorRead)
async def create_author(
    data: AuthorCreate, catalogue: CatalogueDep, request: Request, response: Response
) -> Author:
    author = await catalogue.add_author(data)
    response.headers["Location"] = str(request.url_for("get_author", author_id=author.id))
    return author


@authors.get("/{author_id}", response_model=AuthorRead)
async def get_author(author_id: int, catalogue: CatalogueDep) -> Author:
    return await catalogue.get_author(author_id)


@books.post("", status_code=status.HTTP_201_CREATED, response_model=BookRead)
async def create_book(
    data: BookCreate, catalogue: CatalogueDep, request: Request, response: Response
) -> Book:
    book = await catalogue.add_book(data)
    response.headers["Location"] = str(request.url_for("get_book", book_id=book.id))
    return book


@books.get("", response_model=list[BookRead])
async def list_books(query: Annotated[BookQuery, Query()], catalogue: CatalogueDep) -> list[Book]:
    return await catalogue.list_books(query, limit=query.limit, offset=query.offset)


@books.get("/{book_id}", response_model=BookRead)
async def get_book(book_id: int, catalogue: CatalogueDep) -> Book:
    return await catalogue.get_book(book_id)


@books.patch("/{book_id}", response_model=BookRead)
async def update_book(book_id: int, changes: BookUpdate, catalogue: CatalogueDep) -> Book:
    return await catalogue.update_book(book_id, changes)


@books.delete("/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_book(book_id: int, catalogue: CatalogueDep) -> None:
    await catalogue.remove_book(book_id)


@members.post("", status_code=status.HTTP_201_CREATED, response_model=MemberRead)
async def register_member(
    data: MemberCreate, service: MemberServiceDep, request: Request, response: Response
) -> Member:
    member = await service.register(data)
    response.headers["Location"] = str(request.url_for("get_member", member_id=member.id))
    return member


@members.get("/{member_id}", response_model=MemberRead)
async def get_member(member_id: int, service: MemberServiceDep) -> Member:
    return await service.get(member_id)


@members.patch("/{member_id}", response_model=MemberRead)
async def update_member(member_id: int, changes: MemberUpdate, service: MemberServiceDep) -> Member:
    return await service.update(member_id, changes)


@member_loans.post("", status_code=status.HTTP_201_CREATED, response_model=LoanRead)
async def borrow(
    member_id: int,
    body: BorrowRequest,
    lending: LendingDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    loan = await lending.borrow(member_id, body.book_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return LoanRead.from_loan(loan, as_of=clock.today())


@member_loans.get("", response_model=list[LoanRead])
async def list_member_loans(
    member_id: int, lending: LendingDep, clock: ClockDep, open_only: bool = False
) -> list[LoanRead]:
    today = clock.today()
    found = await lending.loans_of(member_id, open_only=open_only)
    return [LoanRead.from_loan(loan, as_of=today) for loan in found]


@loans.get("/{loan_id}", response_model=LoanRead)
async def get_loan(loan_id: int, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.get_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/return", response_model=LoanRead)
async def return_loan(loan_id: int, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.return_loan(loan_id), as_of=clock.today())


@loans.post("/{loan_id}/renew", response_model=LoanRead)
async def renew_loan(loan_id: int, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.renew(loan_id), as_of=clock.today())


@health.get("/health", response_model=Health)
async def check_health(session_factory: SessionFactoryDep, response: Response) -> Health:
    """Ready when the database accepts a connection; 503 tells a load balancer to wait.

    The body says nothing about why: the reason belongs in the server's log,
    not in a public response.
    """
    try:
        async with session_factory() as session:
            await session.connection()
    except (SQLAlchemyError, OSError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable")
    return Health(status="ok")


ROUTERS = (authors, books, members, member_loans, loans, health)
