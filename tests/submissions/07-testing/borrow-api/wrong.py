# workspace: tests/test_lending.py
from datetime import timedelta

import httpx

from lending.testing import TODAY, Factories


class TestBorrowApi:
    """The happy path only, checked thoroughly; no refusal is tested."""

    async def test_a_borrow_is_created(self, client: httpx.AsyncClient, make: Factories) -> None:
        member, book = await make.member(), await make.book(copies=1)
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.status_code == 201
        loan = response.json()
        assert loan["borrowed_at"] == TODAY.isoformat()
        assert loan["due_at"] == (TODAY + timedelta(days=14)).isoformat()
        assert (await client.get(f"/books/{book.id}")).json()["copies_available"] == 0
        assert (await client.get(f"/loans/{loan['id']}")).status_code == 200
