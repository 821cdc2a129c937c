# workspace: tests/test_lending.py
import httpx


class TestMissingMember:
    """Aimed at the two visible bugs only: status and media type of one route."""

    async def test_an_unknown_member(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/members/999")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
