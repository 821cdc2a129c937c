"""Reference error layer (notebooks 06, 11): one problem-details format for every failure.

Every error the service answers is an RFC 9457 problem, ``application/problem+json``:
``type``, ``title``, ``status``, ``detail``, ``instance`` (the request's path), plus a
stable ``code``, the ``request_id`` and, for an invalid request, ``errors[]``. The
sources of failure each have one handler here and nowhere else:

- a domain error (``.errors``) gets its status and type from one table,
  :data:`PROBLEM_TYPES`; a later notebook adds an error class and one row;
- a request that does not match the API's schema (``RequestValidationError``) lists
  each problem's location and message, never the submitted value;
- an HTTP error of Starlette's (an unknown route's 404, a wrong method's 405 with the
  ``Allow`` header the resource really supports) keeps its status;
- a database error the services did not expect maps to 409, 422 or 503;
- anything else is a 500. Both are logged with the traceback and the request id; the
  body says nothing of the exception, the SQL or the code.

:class:`RequestIdMiddleware` gives every request an id (the client's ``X-Request-ID``
when it is safe to reuse, a new one otherwise) and answers an exception that escaped
every handler. :func:`install_problem_handlers` puts it all on an app.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import (
    AlreadyBorrowed,
    AlreadyReserved,
    BookHasLoans,
    Conflict,
    CopyAvailable,
    EmailAlreadyRegistered,
    IsbnAlreadyRegistered,
    LendingError,
    LoanClosed,
    LoanLimitReached,
    MemberInactive,
    NoCopyAvailable,
    NotFound,
    ReservationClosed,
    ReservationNotReady,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://lending.example/problems/"
"""Where the problem types live (``.example`` is reserved for documentation)."""

logger = logging.getLogger(__name__)


# --- The body ---------------------------------------------------------------------------


class FieldProblem(BaseModel):
    """One reason a request is invalid: where, and what is wrong (never the value sent)."""

    location: str = Field(examples=["body.email"], description="part of the request, dotted")
    message: str
    type: str = Field(description="a stable name for the kind of problem, such as 'missing'")


class Problem(BaseModel):
    """The body of every error response (RFC 9457 problem details)."""

    type: str = Field(description="URI of the problem type; 'about:blank' for a plain HTTP error")
    title: str = Field(description="short summary of the problem type")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong with this request, for people")
    instance: str = Field(description="the path of the request that failed")
    code: str = Field(description="stable machine-readable code", examples=["not_found"])
    request_id: str = Field(description="also in the X-Request-ID header; quote it in reports")
    errors: list[FieldProblem] | None = Field(
        default=None, description="each problem of an invalid request"
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


@dataclass(frozen=True)
class ProblemType:
    """What every problem of one kind shares: status, type URI, title and stable code."""

    status: int
    slug: str | None  # None: a plain HTTP error, type 'about:blank'
    title: str
    detail: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return "about:blank" if self.slug is None else TYPE_BASE + self.slug

    @property
    def code(self) -> str:
        slug = self.slug or self.title.lower().replace(" ", "-")
        return slug.replace("-", "_")


# --- One table: domain error class -> problem type --------------------------------------

CATALOGUE_PROBLEMS: dict[type[LendingError], ProblemType] = {
    LendingError: ProblemType(400, "lending-error", "Request refused"),
    NotFound: ProblemType(404, "not-found", "Not found"),
    Conflict: ProblemType(409, "conflict", "Conflict with the current state"),
    IsbnAlreadyRegistered: ProblemType(409, "isbn-already-registered", "ISBN already registered"),
    BookHasLoans: ProblemType(409, "book-has-loans", "Book has been lent"),
}
LENDING_PROBLEMS: dict[type[LendingError], ProblemType] = {
    EmailAlreadyRegistered: ProblemType(
        409, "email-already-registered", "E-mail address already registered"
    ),
    MemberInactive: ProblemType(409, "member-inactive", "Member inactive"),
    LoanLimitReached: ProblemType(409, "loan-limit-reached", "Loan limit reached"),
    AlreadyBorrowed: ProblemType(409, "already-borrowed", "Book already borrowed"),
    NoCopyAvailable: ProblemType(409, "no-copy-available", "No copy available"),
    LoanClosed: ProblemType(409, "loan-closed", "Loan closed"),
}
RESERVATION_PROBLEMS: dict[type[LendingError], ProblemType] = {
    CopyAvailable: ProblemType(409, "copy-available", "Copy available"),
    AlreadyReserved: ProblemType(409, "already-reserved", "Book already reserved"),
    ReservationNotReady: ProblemType(409, "reservation-not-ready", "Reservation not ready"),
    ReservationClosed: ProblemType(409, "reservation-closed", "Reservation closed"),
}
"""Notebook 11's rows: the reservations' conflicts."""
PROBLEM_TYPES: dict[type[LendingError], ProblemType] = {
    **CATALOGUE_PROBLEMS,
    **LENDING_PROBLEMS,
    **RESERVATION_PROBLEMS,
}
"""Each domain error's problem: the one table. A class without a row of its own inherits
its nearest ancestor's, so a new error is never a 500; a row gives it its own type."""


def problem_type_of(exc: LendingError) -> ProblemType:
    """The row of the most specific class of ``exc`` that the table lists."""
    return next(PROBLEM_TYPES[cls] for cls in type(exc).__mro__ if cls in PROBLEM_TYPES)


INVALID_REQUEST = ProblemType(
    422, "invalid-request", "Invalid request", "The request does not match the API's schema."
)
INTERNAL_ERROR = ProblemType(
    500,
    "internal-error",
    "Internal server error",
    "The server failed to answer this request. Quote its request id if you report it.",
)
STORED_DATA_CONFLICT = ProblemType(
    409, "conflict", "Conflict with the current state", "The request clashes with stored data."
)
UNSTORABLE_VALUE = ProblemType(
    422,
    "unstorable-value",
    "Value cannot be stored",
    "A value in the request is outside the range the service can store.",
)
DATABASE_UNAVAILABLE = ProblemType(
    503,
    "database-unavailable",
    "Service unavailable",
    "The service cannot reach its database right now; try again shortly.",
    headers={"Retry-After": "5"},
)

DATABASE_PROBLEMS: dict[type[Exception], ProblemType] = {
    IntegrityError: STORED_DATA_CONFLICT,
    DataError: UNSTORABLE_VALUE,
    OverflowError: UNSTORABLE_VALUE,  # only when the driver raised it: database_problem
    OperationalError: DATABASE_UNAVAILABLE,
    InterfaceError: DATABASE_UNAVAILABLE,
    DisconnectionError: DATABASE_UNAVAILABLE,
    PoolTimeoutError: DATABASE_UNAVAILABLE,
}


def database_problem(exc: BaseException) -> ProblemType | None:
    """The problem for a database error the services did not expect; ``None`` otherwise.

    An ``IntegrityError`` that slipped past the services clashes with stored data (409);
    a value the database or its driver cannot store is the client's (422); a lost or
    refused connection is temporary (503). SQLite's driver raises a bare ``OverflowError``
    for an integer wider than 64 bits: it counts only when SQLAlchemy was running a
    statement, so an overflow in the service's own arithmetic stays a 500.
    """
    found = next((DATABASE_PROBLEMS[c] for c in type(exc).__mro__ if c in DATABASE_PROBLEMS), None)
    if isinstance(exc, OverflowError) and not _raised_in_sqlalchemy(exc):
        return None
    return found


def _raised_in_sqlalchemy(exc: BaseException) -> bool:
    return any(
        str(frame.f_globals.get("__name__", "")).startswith("sqlalchemy.")
        for frame, _ in traceback.walk_tb(exc.__traceback__)
    )


# --- Building a response -----------------------------------------------------------------


def request_id_of(request: Request) -> str:
    """The id :class:`RequestIdMiddleware` gave this request (a new one without it)."""
    state = request.scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex
    return str(state["request_id"])


def problem_response(
    request: Request,
    kind: ProblemType,
    detail: str | None = None,
    *,
    code: str | None = None,
    status: int | None = None,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """A problem of ``kind`` about ``request``; the arguments override the kind's defaults."""
    problem = Problem(
        type=kind.uri,
        title=kind.title,
        status=status or kind.status,
        detail=detail or kind.detail or kind.title,
        instance=request.url.path,
        code=code or kind.code,
        request_id=request_id_of(request),
        errors=errors,
    )
    return ProblemResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        headers={**kind.headers, **(headers or {})},
    )


# --- The handlers ------------------------------------------------------------------------


async def lending_error_handler(request: Request, exc: LendingError) -> ProblemResponse:
    """A domain error: its row of the table, its own message and code."""
    return problem_response(request, problem_type_of(exc), str(exc), code=exc.code)


def field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Each validation error as location and message: never its ``input`` or ``ctx``."""
    return [
        FieldProblem(
            location=".".join(str(part) for part in error["loc"]),
            message=error["msg"],
            type=error["type"],
        )
        for error in exc.errors()
    ]


async def validation_error_handler(
    request: Request, exc: RequestValidationError
) -> ProblemResponse:
    """422: what is wrong with the request, where; the values sent are not repeated."""
    return problem_response(request, INVALID_REQUEST, errors=field_problems(exc))


HTTP_DETAILS = {
    404: "Nothing is served at this path.",
    405: "This resource does not support the request's method; see the Allow header.",
}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette names only one's).

    ``iter_route_contexts`` lists the app's routes one by one, as FastAPI's own OpenAPI
    document does: the routers an app includes are not copied into ``app.routes``.
    """
    path = request.scope["path"]
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            methods |= route.methods or set()
    return sorted(methods)


async def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Starlette's HTTP errors (FastAPI's ``HTTPException`` is a subclass) as problems.

    The router raises Starlette's class itself for an unknown path (404) and a method
    the path does not serve (405), so a handler for FastAPI's class alone never sees them.
    """
    if exc.status_code < 400:  # 204, 304: not errors, nothing to say
        return Response(status_code=exc.status_code, headers=exc.headers)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "Error"
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    kind = ProblemType(exc.status_code, None, phrase, HTTP_DETAILS.get(exc.status_code, phrase))
    return problem_response(request, kind, detail, headers=headers)


def unexpected_error_response(request: Request, exc: Exception) -> ProblemResponse:
    """An exception no handler took: logged in full with the request id, answered in general.

    The body names neither the exception nor anything in it; the log has the traceback.
    """
    return _logged_problem(request, exc, INTERNAL_ERROR)


async def database_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    """A database error the services did not expect: 409, 422 or 503, else a 500."""
    return _logged_problem(request, exc, database_problem(exc) or INTERNAL_ERROR)


def _logged_problem(request: Request, exc: Exception, kind: ProblemType) -> ProblemResponse:
    request_id = request_id_of(request)
    logger.log(
        logging.ERROR if kind.status >= 500 else logging.WARNING,
        "request %s: %s %s failed with %s, answered %d",
        request_id,
        request.method,
        request.url.path,
        type(exc).__name__,
        kind.status,
        exc_info=exc,
        extra={"request_id": request_id},
    )
    return problem_response(request, kind)


# --- Request ids, and the last line of defence -------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""A client's id is reused only if it is 8 to 64 ASCII letters, digits, '-' or '_': it goes
into logs and a response header, where a newline or a long value would do harm."""


def client_request_id(value: str | None) -> str | None:
    """The client's request id if it is safe to reuse, else ``None`` (then a new one is made)."""
    return value if value is not None and SAFE_REQUEST_ID.fullmatch(value) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives each request an id, returns it in ``X-Request-ID``, and answers what escaped.

    A plain ASGI middleware, added last so that it wraps every other one the app adds.
    An exception that escaped every handler is answered here, inside Starlette's
    ``ServerErrorMiddleware``: that one would send its 500 without the id header and
    re-raise the exception to the server, which logs it a second time, without the id.
    """

    def __init__(self, app: ASGIApp, new_id: Callable[[], str] = new_request_id) -> None:
        self.app = app
        self.new_id = new_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Request(scope).headers.get(REQUEST_ID_HEADER)
        request_id = (client_request_id(sent) if sent is not None else None) or self.new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:  # too late for another answer: the server must close the connection
                raise
            response = unexpected_error_response(Request(scope, receive), exc)
            await response(scope, receive, send_with_id)


# --- Documentation and installation ------------------------------------------------------

PROBLEM_REF = "#/components/schemas/Problem"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: each status, answered as a problem."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        }
        for status in statuses
    }


def problem_schemas() -> dict[str, Any]:
    """``Problem`` and the schemas it uses, for the OpenAPI document's components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), "Problem": schema}


def _document_problems(app: FastAPI) -> None:
    """Add the problem schemas to the app's OpenAPI document: ``problem_responses`` refers
    to them by name, and FastAPI would only list a model given as ``model=``, under
    ``application/json``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                problem_schemas()
            )
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to extend the schema


def install_problem_handlers(
    app: FastAPI, *, new_id: Callable[[], str] = new_request_id
) -> FastAPI:
    """Answer every failure of ``app`` as a problem; call it after adding other middleware."""
    # Starlette types a handler as taking any Exception; each of ours takes the class it is
    # registered for, hence the three ignores.
    app.add_exception_handler(LendingError, lending_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyError, database_error_handler)
    app.add_exception_handler(OverflowError, database_error_handler)  # SQLite's driver
    app.add_middleware(RequestIdMiddleware, new_id=new_id)
    _document_problems(app)
    return app
