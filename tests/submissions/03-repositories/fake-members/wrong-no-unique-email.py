# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: unique
# the fake accepts two members with one address
from lending.models import Member


class InMemoryMemberRepository(InMemoryRepository[Member]):
    unique = ()

    async def get_for_update(self, member_id: int) -> Member | None:
        return self.items.get(member_id)

    async def get_by_email(self, email: str) -> Member | None:
        return next((m for m in self.items.values() if m.email == email), None)

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        members = [m for m in self._sorted() if active is None or m.active == active]
        return members[offset : offset + limit]
