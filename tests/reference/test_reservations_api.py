"""Reservations over HTTP (notebook 11): the routes, their problem details, who may call them.

The whole service over an empty database (SQLite in memory, and PostgreSQL), with the
sample library and accounts of ``test_security``: Ada (1) and Grace (2) are members,
Linus (3) the librarian, whose membership is inactive. Kindred (book 4) has one copy.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .test_api import BASE, problem
from .test_security import ADA, GRACE, LINUS, app, client, config, log_in, settings

__all__ = ["app", "client", "config", "settings"]  # fixtures, shared with test_security

pytestmark = pytest.mark.anyio

KINDRED, EARTHSEA = 4, 1  # one copy; two copies


async def reserve(client: httpx.AsyncClient, book_id: int, who: dict[str, str]) -> httpx.Response:
    return await client.post(f"/books/{book_id}/reservations", headers=who)


async def lent_out(client: httpx.AsyncClient, book_id: int = KINDRED) -> dict[str, Any]:
    """Ada borrows the book's one copy; her loan."""
    response = await client.post(
        f"/members/{ADA}/loans", json={"book_id": book_id}, headers=await log_in(client, ADA)
    )
    assert response.status_code == 201, response.text
    loan: dict[str, Any] = response.json()
    return loan


async def test_reserve_wait_be_served_and_collect(client: httpx.AsyncClient) -> None:
    ada, grace = await log_in(client, ADA), await log_in(client, GRACE)
    loan = await lent_out(client)

    reserved = await reserve(client, KINDRED, grace)
    assert reserved.status_code == 201, reserved.text
    body = reserved.json()
    assert {k: body[k] for k in ("member_id", "book_id", "status", "ready_at", "is_active")} == {
        "member_id": GRACE,
        "book_id": KINDRED,
        "status": "waiting",
        "ready_at": None,
        "is_active": True,
    }
    mine = await client.get("/members/me/reservations", headers=grace)
    assert mine.json() == [body]

    returned = await client.post(f"/loans/{loan['id']}/return", headers=ada)
    assert returned.status_code == 200, returned.text
    (ready,) = (await client.get("/members/me/reservations", headers=grace)).json()
    assert ready["status"] == "ready" and ready["ready_at"] is not None
    book = (await client.get(f"/books/{KINDRED}")).json()
    assert book["copies_available"] == 0, "held for Grace, not on the shelf"
    again = await client.post(f"/members/{ADA}/loans", json={"book_id": KINDRED}, headers=ada)
    problem(again, 409, "no_copy_available")

    collected = await client.post(f"/reservations/{body['id']}/loan", headers=grace)
    assert collected.status_code == 201, collected.text
    assert (collected.json()["member_id"], collected.json()["book_id"]) == (GRACE, KINDRED)
    assert collected.headers["location"] == f"{BASE}/loans/{collected.json()['id']}"
    (done,) = (await client.get("/members/me/reservations", headers=grace)).json()
    assert (done["status"], done["is_active"]) == ("fulfilled", False)
    active = await client.get("/members/me/reservations?active_only=true", headers=grace)
    assert active.json() == []


async def test_cancel_is_204_and_passes_the_held_copy_back(client: httpx.AsyncClient) -> None:
    ada, grace = await log_in(client, ADA), await log_in(client, GRACE)
    loan = await lent_out(client)
    reservation = (await reserve(client, KINDRED, grace)).json()
    await client.post(f"/loans/{loan['id']}/return", headers=ada)

    cancelled = await client.delete(f"/reservations/{reservation['id']}", headers=grace)

    assert (cancelled.status_code, cancelled.content) == (204, b"")
    assert (await client.get(f"/books/{KINDRED}")).json()["copies_available"] == 1
    problem(
        await client.delete(f"/reservations/{reservation['id']}", headers=grace),
        409,
        "reservation_closed",
    )


async def test_the_rules_are_409_problems_with_their_codes(client: httpx.AsyncClient) -> None:
    ada, grace, linus = [await log_in(client, m) for m in (ADA, GRACE, LINUS)]
    await lent_out(client)

    problem(await reserve(client, EARTHSEA, grace), 409, "copy_available")
    problem(await reserve(client, KINDRED, ada), 409, "already_borrowed")
    problem(await reserve(client, KINDRED, linus), 409, "member_inactive")
    waiting = (await reserve(client, KINDRED, grace)).json()
    problem(await reserve(client, KINDRED, grace), 409, "already_reserved")
    not_ready = await client.post(f"/reservations/{waiting['id']}/loan", headers=grace)
    detail = problem(not_ready, 409, "reservation_not_ready")
    assert "waiting" in detail
    problem(await reserve(client, 999, grace), 404, "not_found")


@pytest.mark.parametrize("book_id", ["0", "-1", "x", str(2**31)])
async def test_an_id_out_of_bounds_is_422(client: httpx.AsyncClient, book_id: str) -> None:
    grace = await log_in(client, GRACE)
    problem(
        await client.post(f"/books/{book_id}/reservations", headers=grace), 422, "invalid_request"
    )
    problem(await client.delete(f"/reservations/{book_id}", headers=grace), 422, "invalid_request")


async def test_only_the_reservations_member_or_a_librarian_acts_on_it(
    client: httpx.AsyncClient,
) -> None:
    ada, grace, linus = [await log_in(client, m) for m in (ADA, GRACE, LINUS)]
    await lent_out(client)
    reservation_id = (await reserve(client, KINDRED, grace)).json()["id"]
    routes = [
        ("POST", f"/books/{KINDRED}/reservations"),
        ("GET", "/members/me/reservations"),
        ("DELETE", f"/reservations/{reservation_id}"),
        ("POST", f"/reservations/{reservation_id}/loan"),
    ]

    for method, path in routes:
        problem(await client.request(method, path), 401, "unauthorized")
    for method, path in routes[2:]:
        problem(await client.request(method, path, headers=ada), 403, "forbidden")
    assert (await client.get("/members/me/reservations", headers=ada)).json() == []
    problem(await client.delete("/reservations/999", headers=ada), 403, "forbidden")
    problem(await client.delete("/reservations/999", headers=linus), 404, "not_found")

    cancelled = await client.delete(f"/reservations/{reservation_id}", headers=linus)
    assert cancelled.status_code == 204, cancelled.text


async def test_the_openapi_document_lists_the_reservation_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert set(paths["/books/{book_id}/reservations"]["post"]["responses"]) >= {
        "201",
        "401",
        "404",
        "409",
        "422",
    }
    assert "204" in paths["/reservations/{reservation_id}"]["delete"]["responses"]
    assert "409" in paths["/reservations/{reservation_id}/loan"]["post"]["responses"]
    assert "200" in paths["/members/me/reservations"]["get"]["responses"]
