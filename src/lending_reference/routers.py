"""Reference routers (notebooks 05, 06, 09, 10, 11): thin HTTP adapters over the services.

A route parses the request (schemas), calls one service method, and states
the response: ``response_model``, status code, ``Location`` for a creation,
and the problems it can answer (``responses=``, notebook 06), so that the
OpenAPI document lists every status a client can meet. No rule, no SQL and no
error mapping lives here. Every integer a client sends is bounded, so none
reaches the database that it cannot store. Each router is one group of routes
under one prefix; the app (``.app``) decides which routers it serves.

Who may call what (notebook 09, ``.security``): reading the catalogue is public; adding
and changing it, and registering members, is a librarian's; a member's profile, loans
and password are that member's (or a librarian's). Each rule is a dependency: a route
takes its member or loan id from ``OwnMemberId`` / ``OwnLoanId``, which answer 403 for
anyone else's, and its code is otherwise unchanged.

Notebook 10 changes one route: ``GET /books`` sends the bytes of the read path
(``.reads``), which match its ``response_model`` exactly; the model stays declared,
so the OpenAPI document is unchanged.

Notebook 11 adds ``reservations``: a member queues for a book with no copy left, sees
and cancels their own reservations, and collects a ready one as a loan. Who may act on
a reservation is one more access dependency, ``OwnReservationId`` (403 for anyone
else's), as 09's ``OwnLoanId`` is for a loan.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from .deps import (
    CatalogueDep,
    ClockDep,
    LendingDep,
    MemberServiceDep,
    ReservationsDep,
    ReservingUnitOfWorkDep,
    SessionFactoryDep,
)
from .models import Author, Book, Member, Reservation
from .problems import problem_responses
from .reads import BookReaderDep
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
    ReservationRead,
)
from .security import (
    AccountServiceDep,
    CurrentUser,
    OwnId,
    OwnLoanId,
    OwnMemberId,
    PasswordChange,
    Token,
    ensure_may_update,
    forbidden,
    require_librarian,
)

MAX_ID = 2**31 - 1
"""The largest id a client may send: PostgreSQL's ``INTEGER``, the narrowest id column."""

IdPath = Annotated[int, Path(gt=0, le=MAX_ID)]
"""An id in a path: a wider one would reach the driver, which cannot store it (500)."""


class BookQuery(BookFilter):
    """The query string of ``GET /books``: the filters plus one page's bounds.

    The year bounds are those of ``BookCreate``: no stored book is outside them.
    """

    year_from: int | None = Field(default=None, ge=1450, le=2100)
    year_to: int | None = Field(default=None, ge=1450, le=2100)
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_ID)


class BorrowRequest(BaseModel):
    """The body of ``POST /members/{id}/loans``: the server sets the dates."""

    model_config = ConfigDict(extra="forbid")

    book_id: int = Field(gt=0, le=MAX_ID)


class Health(BaseModel):
    """The body of ``GET /health``: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


ANY_REQUEST = problem_responses(422, 500, 503)
"""What any route with inputs can answer: an invalid request, a failure, no database."""
SIGNED_IN = problem_responses(401, 403)
"""What a protected route can answer: no valid token (401), not allowed (403)."""
LIBRARIAN = [Depends(require_librarian)]

authors = APIRouter(prefix="/authors", tags=["authors"], responses=ANY_REQUEST)
books = APIRouter(prefix="/books", tags=["books"], responses=ANY_REQUEST)
members = APIRouter(prefix="/members", tags=["members"], responses=ANY_REQUEST)
member_loans = APIRouter(prefix="/members/{member_id}/loans", tags=["loans"], responses=ANY_REQUEST)
loans = APIRouter(prefix="/loans", tags=["loans"], responses=ANY_REQUEST)
health = APIRouter(tags=["health"], responses=problem_responses(500))


@authors.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AuthorRead,
    responses=problem_responses(400) | SIGNED_IN,
    dependencies=LIBRARIAN,
)
async def create_author(
    data: AuthorCreate, catalogue: CatalogueDep, request: Request, response: Response
) -> Author:
    author = await catalogue.add_author(data)
    response.headers["Location"] = str(request.url_for("get_author", author_id=author.id))
    return author


@authors.get("/{author_id}", response_model=AuthorRead, responses=problem_responses(404))
async def get_author(author_id: IdPath, catalogue: CatalogueDep) -> Author:
    return await catalogue.get_author(author_id)


@books.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BookRead,
    responses=problem_responses(400, 404, 409) | SIGNED_IN,
    dependencies=LIBRARIAN,
)
async def create_book(
    data: BookCreate, catalogue: CatalogueDep, request: Request, response: Response
) -> Book:
    book = await catalogue.add_book(data)
    response.headers["Location"] = str(request.url_for("get_book", book_id=book.id))
    return book


@books.get("", response_model=list[BookRead])
async def list_books(query: Annotated[BookQuery, Query()], reader: BookReaderDep) -> Response:
    page = await reader.page_json(query, limit=query.limit, offset=query.offset)
    return Response(page, media_type="application/json")


@books.get("/{book_id}", response_model=BookRead, responses=problem_responses(404))
async def get_book(book_id: IdPath, catalogue: CatalogueDep) -> Book:
    return await catalogue.get_book(book_id)


@books.patch(
    "/{book_id}",
    response_model=BookRead,
    responses=problem_responses(400, 404, 409) | SIGNED_IN,
    dependencies=LIBRARIAN,
)
async def update_book(book_id: IdPath, changes: BookUpdate, catalogue: CatalogueDep) -> Book:
    return await catalogue.update_book(book_id, changes)


@books.delete(
    "/{book_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409) | SIGNED_IN,
    dependencies=LIBRARIAN,
)
async def delete_book(book_id: IdPath, catalogue: CatalogueDep) -> None:
    await catalogue.remove_book(book_id)


@members.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    responses=problem_responses(400, 409) | SIGNED_IN,
    dependencies=LIBRARIAN,
)
async def register_member(
    data: MemberCreate, service: MemberServiceDep, request: Request, response: Response
) -> Member:
    member = await service.register(data)
    response.headers["Location"] = str(request.url_for("get_member", member_id=member.id))
    return member


@members.get(
    "/{member_id}",
    response_model=MemberRead,
    responses=problem_responses(404) | SIGNED_IN,
)
async def get_member(member_id: OwnMemberId, service: MemberServiceDep) -> Member:
    return await service.get(member_id)


@members.patch(
    "/{member_id}",
    response_model=MemberRead,
    responses=problem_responses(400, 404, 409) | SIGNED_IN,
)
async def update_member(
    member_id: OwnMemberId, changes: MemberUpdate, service: MemberServiceDep, user: CurrentUser
) -> Member:
    ensure_may_update(user, changes)
    return await service.update(member_id, changes)


@member_loans.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanRead,
    responses=problem_responses(400, 404, 409) | SIGNED_IN,
)
async def borrow(
    member_id: OwnMemberId,
    body: BorrowRequest,
    lending: LendingDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    loan = await lending.borrow(member_id, body.book_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return LoanRead.from_loan(loan, as_of=clock.today())


@member_loans.get(
    "",
    response_model=list[LoanRead],
    responses=problem_responses(404) | SIGNED_IN,
)
async def list_member_loans(
    member_id: OwnMemberId, lending: LendingDep, clock: ClockDep, open_only: bool = False
) -> list[LoanRead]:
    today = clock.today()
    found = await lending.loans_of(member_id, open_only=open_only)
    return [LoanRead.from_loan(loan, as_of=today) for loan in found]


@loans.get(
    "/{loan_id}",
    response_model=LoanRead,
    responses=problem_responses(404) | SIGNED_IN,
)
async def get_loan(loan_id: OwnLoanId, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.get_loan(loan_id), as_of=clock.today())


@loans.post(
    "/{loan_id}/return",
    response_model=LoanRead,
    responses=problem_responses(404) | SIGNED_IN,
)
async def return_loan(loan_id: OwnLoanId, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.return_loan(loan_id), as_of=clock.today())


@loans.post(
    "/{loan_id}/renew",
    response_model=LoanRead,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def renew_loan(loan_id: OwnLoanId, lending: LendingDep, clock: ClockDep) -> LoanRead:
    return LoanRead.from_loan(await lending.renew(loan_id), as_of=clock.today())


@health.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is not reachable"}},
)
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


auth = APIRouter(tags=["auth"], responses=ANY_REQUEST)


@auth.post("/token", response_model=Token, responses=problem_responses(401))
async def log_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], service: AccountServiceDep
) -> Token:
    """OAuth2's password flow: the e-mail address as ``username``, and the password."""
    return await service.login(form.username, form.password)


@auth.get("/me", response_model=MemberRead, responses=SIGNED_IN)
async def who_am_i(user: CurrentUser, service: MemberServiceDep) -> Member:
    return await service.get(user.member_id)


@auth.put(
    "/members/{member_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 404) | SIGNED_IN,
)
async def set_password(
    member_id: OwnMemberId, body: PasswordChange, service: AccountServiceDep
) -> None:
    await service.set_password(member_id, body.password)


# --- Reservations (notebook 11) --------------------------------------------------------


async def reservation_access(
    reservation_id: OwnId, user: CurrentUser, uow: ReservingUnitOfWorkDep
) -> int:
    """A reservation: its member's, or a librarian's. A member asking for one that is not
    theirs gets 403 whether it exists or not, as for a loan."""
    if not user.is_librarian:
        async with uow:
            reservation = await uow.reservations.get(reservation_id)
        if reservation is None or reservation.member_id != user.member_id:
            raise forbidden()
    return reservation_id


OwnReservationId = Annotated[int, Depends(reservation_access)]

reservations = APIRouter(tags=["reservations"], responses=ANY_REQUEST)


@reservations.post(
    "/books/{book_id}/reservations",
    status_code=status.HTTP_201_CREATED,
    response_model=ReservationRead,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def post_reservation(
    book_id: IdPath, user: CurrentUser, service: ReservationsDep
) -> Reservation:
    """The caller's place in the queue for a book with no copy on the shelf."""
    return await service.reserve(user.member_id, book_id)


@reservations.get(
    "/members/me/reservations",
    response_model=list[ReservationRead],
    responses=problem_responses(404) | SIGNED_IN,
)
async def list_my_reservations(
    user: CurrentUser, service: ReservationsDep, active_only: bool = False
) -> list[Reservation]:
    return await service.reservations_of(user.member_id, active_only=active_only)


@reservations.delete(
    "/reservations/{reservation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def delete_reservation(reservation_id: OwnReservationId, service: ReservationsDep) -> None:
    await service.cancel(reservation_id)


@reservations.post(
    "/reservations/{reservation_id}/loan",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanRead,
    responses=problem_responses(404, 409) | SIGNED_IN,
)
async def collect_reserved_copy(
    reservation_id: OwnReservationId,
    service: ReservationsDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> LoanRead:
    """The ready reservation's held copy, lent to its member from today."""
    loan = await service.collect(reservation_id)
    response.headers["Location"] = str(request.url_for("get_loan", loan_id=loan.id))
    return LoanRead.from_loan(loan, as_of=clock.today())


ROUTERS = (authors, books, members, member_loans, loans, reservations, health, auth)
