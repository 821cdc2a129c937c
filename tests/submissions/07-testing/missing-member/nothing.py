# workspace: tests/test_lending.py
import httpx


class TestMissingMember:
    """Calls the app and asserts nothing."""

    async def test_an_unknown_member(self, client: httpx.AsyncClient) -> None:
        await client.get("/members/999")
