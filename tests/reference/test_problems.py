"""The error layer: every failure is a problem (RFC 9457), and nothing internal leaks.

Each path is provoked through the real app: a domain error, an invalid request, an
unknown route, a wrong method, an exception deep in a service, database errors the
services did not expect. The checks read the whole response (body and headers) for
anything of the server's: exception text, class names, file paths, SQL.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

from lending_reference import errors, problems
from lending_reference.clock import FixedClock
from lending_reference.deps import get_catalogue, get_clock
from lending_reference.models import Book
from lending_reference.problems import (
    PROBLEM_JSON,
    PROBLEM_TYPES,
    SAFE_REQUEST_ID,
    client_request_id,
    database_problem,
    problem_type_of,
)
from lending_reference.routers import MAX_ID
from lending_reference.services import CatalogueService

from .test_api import client_for, create_app, problem, settings_for

pytestmark = pytest.mark.anyio

SECRET = "hunter2-Tr0ub4dor"
INTERNAL = ("Traceback", "Error:", ".py", "SELECT", "INSERT", "sqlite", "constraint", SECRET)


@pytest.fixture
def app(clock: FixedClock) -> FastAPI:
    app = create_app(settings_for("sqlite+aiosqlite:///:memory:"))
    app.dependency_overrides[get_clock] = lambda: clock
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield client


def leaks(response: httpx.Response, *extra: str) -> list[str]:
    """Internal words found anywhere in the response, headers included."""
    text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return [word for word in (*INTERNAL, *extra) if word.lower() in text.lower()]


class Failing(CatalogueService):
    """A catalogue whose every read raises ``error``, as a broken service or database would."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def get_book(self, book_id: int) -> Book:
        raise self.error


def failing_with(app: FastAPI, error: BaseException) -> FastAPI:
    app.dependency_overrides[get_catalogue] = lambda: Failing(error)
    return app


# --- The table ---------------------------------------------------------------------------


def test_every_domain_error_has_a_row_whose_type_matches_its_code() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.LendingError)
    ]
    assert set(classes) == set(PROBLEM_TYPES)
    for cls, kind in PROBLEM_TYPES.items():
        assert kind.uri == problems.TYPE_BASE + cls.code.replace("_", "-")
        assert 400 <= kind.status < 500


def test_a_new_error_without_a_row_takes_its_parents() -> None:
    class Overdue(errors.Conflict):
        code = "overdue"

    assert problem_type_of(Overdue("late")) is PROBLEM_TYPES[errors.Conflict]


async def test_a_domain_error_is_a_problem_with_its_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/members/42")

    assert problem(response, 404, "not_found") == "member 42 does not exist"
    body = response.json()
    assert (body["type"], body["title"]) == (problems.TYPE_BASE + "not-found", "Not found")


# --- Validation --------------------------------------------------------------------------


async def test_an_invalid_body_lists_locations_and_never_echoes_values(
    client: httpx.AsyncClient,
) -> None:
    body = {"name": "", "email": SECRET, "password": SECRET}

    response = await client.post("/members", json=body)

    problem(response, 422, "invalid_request")
    assert {e["location"]: e["type"] for e in response.json()["errors"]} == {
        "body.name": "string_too_short",
        "body.email": "value_error",
        "body.password": "extra_forbidden",
    }
    assert leaks(response) == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/books/0", 422),
        ("/books/1", 404),
        (f"/books/{MAX_ID}", 404),
        (f"/books/{MAX_ID + 1}", 422),
    ],
)
async def test_ids_are_bounded_by_the_narrowest_id_column(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await client.get(path)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize(
    "query", ["year_from=1449", "year_to=2101", f"offset={MAX_ID + 1}", "year_from=" + "9" * 30]
)
async def test_list_queries_are_bounded(client: httpx.AsyncClient, query: str) -> None:
    problem(await client.get(f"/books?{query}"), 422, "invalid_request")


async def test_an_unreadable_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/authors", content=b"\xb7", headers={"content-type": "application/json"}
    )

    problem(response, 400, "bad_request")


# --- Starlette's HTTP errors -------------------------------------------------------------


async def test_an_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/shelves/1")

    problem(response, 404, "not_found")
    assert response.json()["type"] == "about:blank"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/members/1", "GET, PATCH"),
        ("OPTIONS", "/books", "GET, POST"),
        ("PUT", "/books/1", "DELETE, GET, PATCH"),
        ("GET", "/loans/1/renew", "POST"),
    ],
)
async def test_a_wrong_method_names_every_method_the_path_serves(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)

    problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


async def test_an_http_exception_keeps_its_status_detail_and_headers() -> None:
    app = create_app(settings_for("sqlite+aiosqlite:///:memory:"))

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"X-Kettle": "on"})

    async with client_for(app) as client:
        response = await client.get("/teapot")

    assert problem(response, 418, "i'm_a_teapot") == "short and stout"
    assert response.headers["x-kettle"] == "on"


# --- The 500 path ------------------------------------------------------------------------


async def test_an_unexpected_error_is_logged_with_the_id_and_answered_in_general(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    failing_with(app, RuntimeError(f"SELECT password FROM members -- {SECRET}"))

    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/books/1")

    problem(response, 500, "internal_error")
    assert leaks(response, "RuntimeError", "password", "members") == []
    (record,) = [r for r in caplog.records if r.name == problems.__name__]
    assert record.levelno == logging.ERROR
    # The request id is an attribute the logging filter adds to the record.
    assert record.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert response.headers["x-request-id"] in record.getMessage()
    assert record.exc_info is not None and SECRET in caplog.text


async def test_an_exception_deep_in_a_service_is_a_500(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Any, *args: Any, **kwargs: Any) -> None:
        raise KeyError(SECRET)

    monkeypatch.setattr("lending_reference.repositories.SqlBookRepository.get", broken)

    response = await client.get("/books/1")

    problem(response, 500, "internal_error")
    assert leaks(response, "KeyError") == []


def _integrity() -> IntegrityError:
    return IntegrityError(
        "INSERT INTO books (isbn) VALUES (?)", ("978",), Exception("UNIQUE constraint failed")
    )


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (_integrity(), 409, "conflict"),
        (
            DataError("UPDATE books SET year=?", (2**70,), Exception("out of range")),
            422,
            "unstorable_value",
        ),
        (
            OperationalError("SELECT 1", (), Exception("database is locked")),
            503,
            "database_unavailable",
        ),
        (
            InterfaceError("SELECT 1", (), Exception("connection closed")),
            503,
            "database_unavailable",
        ),
    ],
)
async def test_unexpected_database_errors_have_their_own_status(
    app: FastAPI, error: Exception, status: int, code: str
) -> None:
    failing_with(app, error)

    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/books/1")

    problem(response, status, code)
    assert leaks(response, "locked", "closed", "out of range") == []
    assert ("retry-after" in response.headers) is (status == 503)


async def test_a_value_the_driver_cannot_store_is_422(app: FastAPI) -> None:
    """An id too wide for SQLite, where no schema bounds it: the driver's OverflowError."""
    async with app.router.lifespan_context(app):
        session_factory = app.state.session_factory
        async with session_factory() as session:
            with pytest.raises(OverflowError) as raised:
                await session.scalar(select(Book).where(Book.id == 2**64))
        assert database_problem(raised.value) is problems.UNSTORABLE_VALUE

    assert database_problem(OverflowError("our own arithmetic")) is None


async def test_a_body_id_too_wide_for_the_driver_is_422_before_it_reaches_the_driver(
    client: httpx.AsyncClient,
) -> None:
    """The schema bounds it (``MAX_ID``): the driver's overflow, above, is only the net."""
    body = {"title": "T", "isbn": "9780441478125", "year": 1969, "author_id": 2**64}

    response = await client.post("/books", json=body)

    problem(response, 422, "invalid_request")


# --- Request ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("a" * 8, True),
        ("A1_b2-C3" * 8, True),
        ("a" * 7, False),
        ("a" * 65, False),
        ("abcdefgh\n", False),
        ("abcd efgh", False),
        ("abcdéfgh", False),
        ("abc;rm -rf", False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_safe_client_request_id_is_kept(sent: str | None, kept: bool) -> None:
    assert client_request_id(sent) == (sent if kept else None)
    assert SAFE_REQUEST_ID.pattern == "[A-Za-z0-9_-]{8,64}"


async def test_a_safe_request_id_comes_back_an_unsafe_one_is_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/books/99", headers={"X-Request-ID": "trace-0001"})
    replaced = await client.get("/books/99", headers={"X-Request-ID": "x" * 65})

    assert kept.headers["x-request-id"] == kept.json()["request_id"] == "trace-0001"
    assert replaced.headers["x-request-id"] == replaced.json()["request_id"] != "x" * 65
    assert "x" * 65 not in replaced.text
    assert (await client.get("/health")).headers["x-request-id"]


async def test_every_request_gets_its_own_id(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/health")).headers["x-request-id"] for _ in range(3)}

    assert len(ids) == 3


# --- OpenAPI ------------------------------------------------------------------------------


def test_every_error_response_is_documented_as_a_problem(app: FastAPI) -> None:
    document = app.openapi()
    assert {"Problem", "FieldProblem"} <= set(document["components"]["schemas"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if path == "/health" and status == "503":
                    continue
                if int(status) >= 400:
                    assert response["content"] == {
                        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, status)
            assert "500" in operation["responses"], (method, path)


def test_every_id_in_a_path_is_bounded(app: FastAPI) -> None:
    for operations in app.openapi()["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"].endswith("_id"):
                    schema = parameter["schema"]
                    assert (schema["exclusiveMinimum"], schema["maximum"]) == (0, MAX_ID)
