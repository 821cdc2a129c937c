# workspace: tests/test_lending.py
import httpx

from lending.testing import Factories


class TestBorrowApi:
    """Aimed at the two visible bugs only: the due date and one refusal."""

    async def test_the_due_date(self, client: httpx.AsyncClient, make: Factories) -> None:
        member, book = await make.member(), await make.book(copies=2)
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.json()["due_at"] == "2026-01-29"

    async def test_no_copy_left(self, client: httpx.AsyncClient, make: Factories) -> None:
        book = await make.book(copies=1)
        await make.loan(await make.member(), book)
        member = await make.member()
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.status_code == 409
