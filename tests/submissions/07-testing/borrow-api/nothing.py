# workspace: tests/test_lending.py
import httpx

from lending.testing import Factories


class TestBorrowApi:
    """Calls the app and asserts nothing."""

    async def test_borrowing(self, client: httpx.AsyncClient, make: Factories) -> None:
        member, book = await make.member(), await make.book()
        await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
