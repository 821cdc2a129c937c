"""The HTTP layer, end to end: status codes, headers, bodies, the lifespan and settings.

Each test gets its own app and database (in memory; a file under ``tmp_path``
where the lifespan itself is under test), runs it through its lifespan as a
server would, and calls it through ``httpx.AsyncClient`` over ``ASGITransport``:
no network, no server. The clock is a ``FixedClock``, overridden by the exact
callable the routes depend on (``deps.get_clock``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from lending_reference import app as app_module
from lending_reference import db as db_module
from lending_reference.app import create_app as create_service
from lending_reference.clock import FixedClock
from lending_reference.deps import get_clock
from lending_reference.models import Member
from lending_reference.repositories import SqlMemberRepository
from lending_reference.routers import MAX_ID
from lending_reference.security import Principal, Role, current_user
from lending_reference.settings import Settings, get_settings

from .conftest import TODAY, make_isbn

pytestmark = pytest.mark.anyio

BASE = "http://library.test"


LIBRARIAN = Principal(member_id=1, role=Role.LIBRARIAN)


def create_app(settings: Settings | None = None, **options: Any) -> FastAPI:
    """The service, every request made by a librarian: these tests are about what the API
    answers; ``test_security.py`` is about who may ask."""
    app = create_service(settings, **options)
    app.dependency_overrides[current_user] = lambda: LIBRARIAN
    return app


def settings_for(url: str, **fields: Any) -> Settings:
    """Every field given: nothing comes from the environment or a ``.env`` file.

    The app creates its tables: a test starts from an empty database, not a migrated one.
    """
    return Settings(
        _env_file=None,
        database_url=url,
        **{"loan_days": 14, "echo_sql": False, "create_tables": True, **fields},
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    """An empty database (SQLite in memory, or PostgreSQL): requests come one at a time."""
    return settings_for(database_url)


@pytest.fixture
def file_settings(file_database_url: str) -> Settings:
    """An empty database whose requests get connections of their own."""
    return settings_for(file_database_url)


@pytest.fixture
def sqlite_file_settings(tmp_path: Path) -> Settings:
    """A SQLite file, for tests that watch the file appear."""
    return settings_for(f"sqlite+aiosqlite:///{tmp_path}/api.db")


@pytest.fixture
def app(settings: Settings, clock: FixedClock) -> FastAPI:
    app = create_app(settings)
    app.dependency_overrides[get_clock] = lambda: clock
    return app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield client


async def created(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], *, read_back: bool = True
) -> dict[str, Any]:
    """POST ``body``; expect 201, and a ``Location`` that reads back the same resource."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location == f"{BASE}{path}/{response.json()['id']}"
    if read_back:
        again = await client.get(location)
        assert again.status_code == 200
        assert again.json() == response.json()
    resource: dict[str, Any] = response.json()
    return resource


def problem(response: httpx.Response, status: int, code: str) -> str:
    """Expect a problem (RFC 9457) with this status and code; return its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) - {"errors"} == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "code",
        "request_id",
    }
    assert (body["status"], body["code"]) == (status, code)
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == response.request.url.path
    return str(body["detail"])


def invalid(response: httpx.Response) -> list[dict[str, Any]]:
    problem(response, 422, "invalid_request")
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert all(set(error) == {"location", "message", "type"} for error in errors)
    return errors


async def new_author(client: httpx.AsyncClient, name: str = "N. K. Jemisin") -> int:
    return int((await created(client, "/authors", {"name": name}, read_back=False))["id"])


_books = iter(range(1, 10_000))


async def new_book(
    client: httpx.AsyncClient, title: str = "The Fifth Season", **fields: Any
) -> dict[str, Any]:
    body = {"title": title, "isbn": make_isbn(next(_books)), "year": 2015, **fields}
    body.setdefault("author_id", await new_author(client))
    return await created(client, "/books", body, read_back=False)


_members = iter(range(1, 10_000))


async def new_member(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Ada", "email": f"reader{next(_members)}@example.com", **fields}
    return await created(client, "/members", body, read_back=False)


async def borrow(client: httpx.AsyncClient, member_id: int, book_id: int) -> httpx.Response:
    return await client.post(f"/members/{member_id}/loans", json={"book_id": book_id})


# --- Authors ----------------------------------------------------------------------------------


async def test_create_and_read_an_author(client: httpx.AsyncClient) -> None:
    response = await client.post("/authors", json={"name": "  Ursula K. Le Guin  "})

    assert response.status_code == 201
    assert response.headers["location"] == f"{BASE}/authors/1"
    assert response.json() == {"id": 1, "name": "Ursula K. Le Guin"}
    assert (await client.get("/authors/1")).json() == {"id": 1, "name": "Ursula K. Le Guin"}


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("/authors/99", "author"),
        ("/books/99", "book"),
        ("/members/99", "member"),
        ("/loans/99", "loan"),
    ],
)
async def test_unknown_ids_are_404(client: httpx.AsyncClient, path: str, entity: str) -> None:
    detail = problem(await client.get(path), 404, "not_found")

    assert detail == f"{entity} 99 does not exist"


@pytest.mark.parametrize("path", ["/authors/one", "/books/1.5", "/members/x", "/loans/-"])
async def test_a_non_integer_id_is_422(client: httpx.AsyncClient, path: str) -> None:
    (error,) = invalid(await client.get(path))

    assert error["type"] == "int_parsing"
    assert error["location"].startswith("path.")


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"name": "x", "id": 5}, "extra_forbidden"),
        ({"name": ""}, "string_too_short"),
        ({"name": "   "}, "string_too_short"),
        ({}, "missing"),
    ],
)
async def test_invalid_author_is_422(
    client: httpx.AsyncClient, body: dict[str, Any], error_type: str
) -> None:
    (error,) = invalid(await client.post("/authors", json=body))

    assert error["type"] == error_type
    assert error["location"].split(".")[0] == "body"


# --- Books ------------------------------------------------------------------------------------


async def test_create_read_update_and_delete_a_book(client: httpx.AsyncClient) -> None:
    author_id = await new_author(client)
    response = await client.post(
        "/books",
        json={
            "title": "The Left Hand of Darkness",
            "isbn": "978-0-441-47812-5",
            "year": 1969,
            "author_id": author_id,
            "copies_total": 3,
        },
    )
    assert response.status_code == 201
    book = response.json()
    assert response.headers["location"] == f"{BASE}/books/{book['id']}"
    assert book == {
        "id": book["id"],
        "title": "The Left Hand of Darkness",
        "isbn": "9780441478125",
        "year": 1969,
        "author_id": author_id,
        "copies_total": 3,
        "copies_available": 3,
        "is_available": True,
    }

    patched = await client.patch(f"/books/{book['id']}", json={"year": 1970})
    assert patched.status_code == 200
    assert patched.json() == {**book, "year": 1970}
    assert (await client.get(f"/books/{book['id']}")).json()["year"] == 1970

    deleted = await client.delete(f"/books/{book['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    problem(await client.get(f"/books/{book['id']}"), 404, "not_found")
    problem(await client.delete(f"/books/{book['id']}"), 404, "not_found")


@pytest.mark.parametrize("author_id", [MAX_ID + 1, 2**63])
async def test_an_id_in_a_body_past_the_id_column_is_422_on_every_database(
    client: httpx.AsyncClient, author_id: int
) -> None:
    """SQLite stores any 64-bit integer; PostgreSQL's INTEGER holds 32 bits: the schema
    bounds every id by the narrowest column, so no database ever sees a wider one."""
    book = {"title": "T", "isbn": make_isbn(1), "year": 2000, "author_id": author_id}
    errors = invalid(await client.post("/books", json=book))
    assert [(e["location"], e["type"]) for e in errors] == [("body.author_id", "less_than_equal")]


async def test_the_widest_id_is_a_404_not_an_error(client: httpx.AsyncClient) -> None:
    book = {"title": "T", "isbn": make_isbn(1), "year": 2000, "author_id": MAX_ID}
    problem(await client.post("/books", json=book), 404, "not_found")


async def test_book_with_unknown_author_is_404(client: httpx.AsyncClient) -> None:
    body = {"title": "Orphan", "isbn": make_isbn(1), "year": 2000, "author_id": 42}

    assert problem(await client.post("/books", json=body), 404, "not_found") == (
        "author 42 does not exist"
    )


async def test_duplicate_isbn_is_409(client: httpx.AsyncClient) -> None:
    book = await new_book(client)
    other = await new_book(client, "Other")
    body = {**book, "title": "Copy"}
    for field in ("id", "copies_available", "is_available"):
        del body[field]

    problem(await client.post("/books", json=body), 409, "isbn_already_registered")
    response = await client.patch(f"/books/{other['id']}", json={"isbn": book["isbn"]})
    problem(response, 409, "isbn_already_registered")


@pytest.mark.parametrize(
    ("change", "error_type", "field"),
    [
        ({"isbn": "9780441478126"}, "value_error", "isbn"),  # check digit off by one
        ({"isbn": "978044147812"}, "value_error", "isbn"),
        ({"copies_available": 5}, "extra_forbidden", "copies_available"),
        ({"year": 1000}, "greater_than_equal", "year"),
        ({"copies_total": 0}, "greater_than_equal", "copies_total"),
        ({"author_id": 0}, "greater_than", "author_id"),
    ],
)
async def test_invalid_book_is_422(
    client: httpx.AsyncClient, change: dict[str, Any], error_type: str, field: str
) -> None:
    body = {"title": "T", "isbn": "9780441478125", "year": 1969, "author_id": 1, **change}

    (error,) = invalid(await client.post("/books", json=body))

    assert (error["type"], error["location"]) == (error_type, f"body.{field}")


async def test_the_isbn_error_says_what_is_wrong(client: httpx.AsyncClient) -> None:
    body = {"title": "T", "isbn": "9780441478126", "year": 1969, "author_id": 1}

    (error,) = invalid(await client.post("/books", json=body))

    assert "check digit" in error["message"]


@pytest.mark.parametrize(
    ("change", "error_type"),
    [({"title": None}, "value_error"), ({"copies_total": 9}, "extra_forbidden")],
)
async def test_invalid_book_patch_is_422(
    client: httpx.AsyncClient, change: dict[str, Any], error_type: str
) -> None:
    book = await new_book(client)

    (error,) = invalid(await client.patch(f"/books/{book['id']}", json=change))

    assert error["type"] == error_type
    assert (await client.get(f"/books/{book['id']}")).json() == book


async def test_a_lent_book_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    book, member = await new_book(client), await new_member(client)
    assert (await borrow(client, member["id"], book["id"])).status_code == 201

    problem(await client.delete(f"/books/{book['id']}"), 409, "book_has_loans")


@pytest.fixture
async def shelf(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    author_id = await new_author(client)
    return [
        await new_book(client, title, year=year, author_id=author_id)
        for title, year in [
            ("Dune", 1965),
            ("Dune Messiah", 1969),
            ("Children of Dune", 1976),
            ("Emma", 1815),
            ("Persuasion", 1817),
        ]
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Dune", "Dune Messiah", "Children of Dune", "Emma", "Persuasion"]),
        ("?title_contains=DUNE", ["Dune", "Dune Messiah", "Children of Dune"]),
        ("?year_from=1816&year_to=1969", ["Dune", "Dune Messiah", "Persuasion"]),
        ("?title_contains=dune&year_from=1969", ["Dune Messiah", "Children of Dune"]),
        ("?year_to=1800", []),
    ],
)
async def test_list_books_with_filters(
    client: httpx.AsyncClient, shelf: list[dict[str, Any]], query: str, expected: list[str]
) -> None:
    response = await client.get("/books" + query)

    assert response.status_code == 200
    assert [book["title"] for book in response.json()] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?limit=2", ["Dune", "Dune Messiah"]),
        ("?limit=2&offset=2", ["Children of Dune", "Emma"]),
        ("?offset=4", ["Persuasion"]),
        ("?title_contains=dune&limit=1&offset=1", ["Dune Messiah"]),
    ],
)
async def test_list_books_paginates(
    client: httpx.AsyncClient, shelf: list[dict[str, Any]], query: str, expected: list[str]
) -> None:
    response = await client.get("/books" + query)

    assert response.status_code == 200, response.text
    assert [book["title"] for book in response.json()] == expected


@pytest.mark.parametrize(
    ("query", "error_type", "where"),
    [
        ("?year_from=2000&year_to=1990", "value_error", "query"),
        ("?limit=0", "greater_than_equal", "query.limit"),
        ("?limit=101", "less_than_equal", "query.limit"),
        ("?offset=-1", "greater_than_equal", "query.offset"),
        ("?limit=ten", "int_parsing", "query.limit"),
        ("?year_from=soon", "int_parsing", "query.year_from"),
        ("?title_contains=", "string_too_short", "query.title_contains"),
        ("?sort=title", "extra_forbidden", "query.sort"),
    ],
)
async def test_invalid_list_query_is_422(
    client: httpx.AsyncClient, query: str, error_type: str, where: str
) -> None:
    errors = invalid(await client.get("/books" + query))

    assert (error_type, where) in [(error["type"], error["location"]) for error in errors]


async def test_year_from_after_year_to_says_why(client: httpx.AsyncClient) -> None:
    errors = invalid(await client.get("/books?year_from=2000&year_to=1990"))

    assert "year_from must not be after year_to" in errors[0]["message"]


# --- Members ----------------------------------------------------------------------------------


async def test_register_read_and_update_a_member(client: httpx.AsyncClient) -> None:
    member = await created(
        client, "/members", {"name": "Grace Hopper", "email": "Grace@Navy.MIL", "max_loans": 3}
    )
    assert member == {
        "id": member["id"],
        "name": "Grace Hopper",
        "email": "grace@navy.mil",
        "active": True,
        "max_loans": 3,
    }

    response = await client.patch(f"/members/{member['id']}", json={"active": False})

    assert response.status_code == 200
    assert response.json() == {**member, "active": False}
    assert (await client.get(f"/members/{member['id']}")).json()["active"] is False


async def test_duplicate_email_is_409(client: httpx.AsyncClient) -> None:
    await new_member(client, email="ada@example.com")
    other = await new_member(client)

    response = await client.post("/members", json={"name": "A", "email": "ADA@example.com"})
    problem(response, 409, "email_already_registered")
    response = await client.patch(f"/members/{other['id']}", json={"email": "ada@example.com"})
    problem(response, 409, "email_already_registered")


async def test_an_email_taken_by_a_concurrent_patch_is_409_email_already_registered(
    file_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two PATCHes for one new address, interleaved by hand: the second request's lookup
    finds nothing, then the first commits. The unique index refuses the second at its
    commit, and the client is told why, as for a duplicate registration."""
    app = create_app(file_settings)
    original = SqlMemberRepository.get_by_email
    first: list[httpx.Response] = []
    pending = True

    async with app.router.lifespan_context(app), client_for(app) as client:
        grace, linus = await new_member(client), await new_member(client)

        async def lookup_then_let_the_other_commit(
            self: SqlMemberRepository, email: str
        ) -> Member | None:
            nonlocal pending
            found = await original(self, email)
            if pending:
                pending = False
                first.append(await client.patch(f"/members/{linus['id']}", json={"email": email}))
            return found

        monkeypatch.setattr(SqlMemberRepository, "get_by_email", lookup_then_let_the_other_commit)
        response = await client.patch(f"/members/{grace['id']}", json={"email": "New@example.com"})

        assert first[0].status_code == 200, first[0].text
        problem(response, 409, "email_already_registered")
        assert (await client.get(f"/members/{grace['id']}")).json() == grace


@pytest.mark.parametrize(
    ("body", "error_type", "field"),
    [
        ({"name": "A", "email": "not-an-email"}, "value_error", "email"),
        ({"name": "A", "email": "a@example.com", "active": False}, "extra_forbidden", "active"),
        ({"name": "A", "email": "a@example.com", "max_loans": 11}, "less_than_equal", "max_loans"),
        ({"name": "A"}, "missing", "email"),
    ],
)
async def test_invalid_member_is_422(
    client: httpx.AsyncClient, body: dict[str, Any], error_type: str, field: str
) -> None:
    (error,) = invalid(await client.post("/members", json=body))

    assert (error["type"], error["location"]) == (error_type, f"body.{field}")


async def test_patch_unknown_member_is_404(client: httpx.AsyncClient) -> None:
    problem(await client.patch("/members/5", json={"name": "X"}), 404, "not_found")


# --- Loans ------------------------------------------------------------------------------------


async def test_borrow_renew_and_return_a_book(client: httpx.AsyncClient, clock: FixedClock) -> None:
    book, member = await new_book(client, copies_total=2), await new_member(client)

    response = await borrow(client, member["id"], book["id"])

    assert response.status_code == 201
    loan = response.json()
    assert response.headers["location"] == f"{BASE}/loans/{loan['id']}"
    assert loan == {
        "id": loan["id"],
        "member_id": member["id"],
        "book_id": book["id"],
        "borrowed_at": TODAY.isoformat(),
        "due_at": (TODAY + timedelta(days=14)).isoformat(),
        "returned_at": None,
        "is_overdue": False,
    }
    assert (await client.get(f"/books/{book['id']}")).json()["copies_available"] == 1

    clock.current = TODAY + timedelta(days=15)
    overdue = (await client.get(f"/loans/{loan['id']}")).json()
    assert overdue["is_overdue"] is True

    renewed = await client.post(f"/loans/{loan['id']}/renew")
    assert renewed.status_code == 200
    assert renewed.json()["due_at"] == (TODAY + timedelta(days=29)).isoformat()
    assert renewed.json()["is_overdue"] is False

    returned = await client.post(f"/loans/{loan['id']}/return")
    assert returned.status_code == 200
    assert returned.json()["returned_at"] == clock.current.isoformat()
    assert (await client.get(f"/books/{book['id']}")).json()["copies_available"] == 2

    again = await client.post(f"/loans/{loan['id']}/return")  # a retry is safe
    assert again.status_code == 200
    assert again.json() == returned.json()
    assert (await client.get(f"/books/{book['id']}")).json()["copies_available"] == 2

    problem(await client.post(f"/loans/{loan['id']}/renew"), 409, "loan_closed")


async def test_list_a_members_loans(client: httpx.AsyncClient) -> None:
    member = await new_member(client)
    first, second = await new_book(client), await new_book(client, "Second")
    loan_ids = [
        (await borrow(client, member["id"], book["id"])).json()["id"] for book in (first, second)
    ]
    await client.post(f"/loans/{loan_ids[0]}/return")

    every = await client.get(f"/members/{member['id']}/loans")
    still_open = await client.get(f"/members/{member['id']}/loans", params={"open_only": True})

    assert [loan["id"] for loan in every.json()] == loan_ids
    assert [loan["id"] for loan in still_open.json()] == loan_ids[1:]
    problem(await client.get("/members/99/loans"), 404, "not_found")


async def test_borrowing_rules_are_409_with_their_code(client: httpx.AsyncClient) -> None:
    book, scarce = await new_book(client, copies_total=3), await new_book(client, "Scarce")
    ada = await new_member(client, max_loans=2)
    grace = await new_member(client)
    assert (await borrow(client, ada["id"], book["id"])).status_code == 201

    problem(await borrow(client, ada["id"], book["id"]), 409, "already_borrowed")
    assert (await borrow(client, grace["id"], scarce["id"])).status_code == 201
    problem(await borrow(client, ada["id"], scarce["id"]), 409, "no_copy_available")
    third, fourth = await new_book(client, "Third"), await new_book(client, "Fourth")
    assert (await borrow(client, ada["id"], third["id"])).status_code == 201
    problem(await borrow(client, ada["id"], fourth["id"]), 409, "loan_limit_reached")
    await client.patch(f"/members/{grace['id']}", json={"active": False})
    problem(await borrow(client, grace["id"], book["id"]), 409, "member_inactive")


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("/loans/77/return", "loan"),
        ("/loans/77/renew", "loan"),
        ("/members/77/loans", "member"),
    ],
)
async def test_loan_actions_on_unknown_ids_are_404(
    client: httpx.AsyncClient, path: str, entity: str
) -> None:
    response = await client.post(path, json={"book_id": 1})

    assert problem(response, 404, "not_found") == f"{entity} 77 does not exist"


async def test_borrowing_an_unknown_book_is_404(client: httpx.AsyncClient) -> None:
    member = await new_member(client)

    assert problem(await borrow(client, member["id"], 77), 404, "not_found") == (
        "book 77 does not exist"
    )


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"book_id": 1, "due_at": "2030-01-01"}, "extra_forbidden"),
        ({"book_id": 0}, "greater_than"),
        ({}, "missing"),
        (None, "missing"),
    ],
)
async def test_invalid_borrow_request_is_422(
    client: httpx.AsyncClient, body: dict[str, Any] | None, error_type: str
) -> None:
    member = await new_member(client)

    (error,) = invalid(await client.post(f"/members/{member['id']}/loans", json=body))

    assert error["type"] == error_type


# --- Lifespan ---------------------------------------------------------------------------------


async def test_the_engine_lives_exactly_as_long_as_the_app(
    sqlite_file_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = sqlite_file_settings
    engines: list[AsyncEngine] = []
    disposed: list[AsyncEngine] = []

    real_make_engine = db_module.make_engine

    def recording_make_engine(url: str, **options: Any) -> AsyncEngine:
        engine = real_make_engine(url, **options)
        event.listen(engine.sync_engine, "engine_disposed", lambda _: disposed.append(engine))
        engines.append(engine)
        return engine

    monkeypatch.setattr(app_module, "make_engine", recording_make_engine)
    database = tmp_path / "api.db"

    app = create_app(settings)
    assert engines == [] and not database.exists()  # nothing at import or construction
    assert not hasattr(app.state, "session_factory")

    async with app.router.lifespan_context(app):
        (engine,) = engines
        assert disposed == []
        assert database.exists()
        factory = app.state.session_factory
        assert isinstance(factory, async_sessionmaker)
        assert factory.kw["bind"] is engine
        assert str(engine.url) == settings.database_url
        async with client_for(app) as client:
            assert (await client.post("/authors", json={"name": "A"})).status_code == 201

    assert disposed == [engine]


async def test_requests_outside_the_lifespan_fail(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(app) as client:
        response = await client.get("/authors/1")

    problem(response, 500, "internal_error")
    assert "session_factory" in caplog.text
    assert "session_factory" not in response.text


async def test_without_create_tables_the_schema_is_left_to_migrations(
    file_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(file_settings, create_tables=False)

    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/authors/1")

    # Each driver classifies a missing table its own way: SQLite's OperationalError reads as a
    # database that cannot answer now (503), PostgreSQL's ProgrammingError as a server bug (500).
    # Either way the client gets a problem without internals, and the log gets the reason.
    if "postgresql" in file_settings.database_url:
        problem(response, 500, "internal_error")
        assert 'relation "authors" does not exist' in caplog.text
    else:
        problem(response, 503, "database_unavailable")
        assert "no such table: authors" in caplog.text
    assert "authors" not in response.text.replace("/authors/1", "")


async def test_each_app_has_its_own_database(tmp_path: Path, clock: FixedClock) -> None:
    apps = [create_app(settings_for(f"sqlite+aiosqlite:///{tmp_path}/{n}.db")) for n in "12"]
    async with apps[0].router.lifespan_context(apps[0]), client_for(apps[0]) as first:
        await first.post("/authors", json={"name": "Only in one"})
        async with apps[1].router.lifespan_context(apps[1]), client_for(apps[1]) as second:
            problem(await second.get("/authors/1"), 404, "not_found")
        assert (await first.get("/authors/1")).status_code == 200


# --- Settings ---------------------------------------------------------------------------------


async def test_settings_come_from_the_environment(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    url = f"sqlite+aiosqlite:///{clean_environment}/from_env.db"
    monkeypatch.setenv("LENDING_DATABASE_URL", url)
    monkeypatch.setenv("LENDING_LOAN_DAYS", "7")
    monkeypatch.setenv("LENDING_ECHO_SQL", "false")
    monkeypatch.setenv("LENDING_CREATE_TABLES", "true")

    settings = get_settings()

    assert (settings.database_url, settings.loan_days, settings.echo_sql) == (url, 7, False)
    assert settings.create_tables
    assert get_settings() is settings  # read once, then cached

    app = create_app()  # no settings given: the environment's
    app.dependency_overrides[get_clock] = lambda: clock
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (clean_environment / "from_env.db").exists()
        book, member = await new_book(client), await new_member(client)
        loan = (await borrow(client, member["id"], book["id"])).json()

    assert loan["due_at"] == (TODAY + timedelta(days=7)).isoformat()


async def test_the_database_is_one_setting_away(
    clean_environment: Path,
    file_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    """``LENDING_DATABASE_URL`` alone moves the service, SQLite file or PostgreSQL alike."""
    monkeypatch.setenv("LENDING_DATABASE_URL", file_database_url)
    monkeypatch.setenv("LENDING_CREATE_TABLES", "true")

    app = create_app()  # no settings given: the environment's
    app.dependency_overrides[get_clock] = lambda: clock
    async with app.router.lifespan_context(app), client_for(app) as client:
        book, member = await new_book(client), await new_member(client)
        assert (await borrow(client, member["id"], book["id"])).status_code == 201
        assert str(app.state.session_factory.kw["bind"].url) == file_database_url

    engine = db_module.make_engine(file_database_url)
    try:
        async with engine.connect() as connection:
            stored = await connection.execute(text("SELECT member_id, book_id FROM loans"))
            assert stored.all() == [(member["id"], book["id"])]
    finally:
        await engine.dispose()


async def test_settings_defaults_and_dotenv_file(clean_environment: Path) -> None:
    assert get_settings().loan_days == 14
    assert get_settings().database_url == "sqlite+aiosqlite:///./lending.db"
    assert get_settings().create_tables is False  # a deployed service migrates (notebook 08)
    get_settings.cache_clear()
    (clean_environment / ".env").write_text("LENDING_LOAN_DAYS=21\nOTHER_TOOL_SETTING=1\n")

    assert get_settings().loan_days == 21


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Input should be greater than or equal to 1"),
        ("61", "Input should be less than or equal to 60"),
        ("fourteen", "Input should be a valid integer"),
    ],
)
async def test_an_invalid_setting_is_a_clear_error_at_startup(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("LENDING_LOAN_DAYS", value)

    with pytest.raises(ValidationError) as caught:
        get_settings()

    (error,) = caught.value.errors()
    assert error["loc"] == ("loan_days",)
    assert message in str(caught.value)

    app = create_app()
    with pytest.raises(ValidationError, match="loan_days"):
        async with app.router.lifespan_context(app):
            pytest.fail("the app must not start with an invalid setting")


async def test_loan_days_come_from_the_apps_settings(
    clean_environment: Path, clock: FixedClock
) -> None:
    app = create_app(settings_for("sqlite+aiosqlite:///:memory:", loan_days=7))
    app.dependency_overrides[get_clock] = lambda: clock

    async with app.router.lifespan_context(app), client_for(app) as client:
        book, member = await new_book(client), await new_member(client)
        loan = (await borrow(client, member["id"], book["id"])).json()

    assert loan["due_at"] == (TODAY + timedelta(days=7)).isoformat()
