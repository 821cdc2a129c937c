# workspace: tests/test_lending.py
import httpx

from lending.testing import Factories


class TestMissingMember:
    """Only a member who exists is tested."""

    async def test_a_known_member_is_found(
        self, client: httpx.AsyncClient, make: Factories
    ) -> None:
        member = await make.member()
        response = await client.get(f"/members/{member.id}")
        assert response.status_code == 200
