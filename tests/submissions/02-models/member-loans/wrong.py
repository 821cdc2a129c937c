# feedback: lazy='raise'
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lending.models import Member


async def member_with_loans(session: AsyncSession, member_id: int) -> Member | None:
    """Loads the loans, but not the book of each loan."""
    return await session.scalar(
        select(Member).where(Member.id == member_id).options(selectinload(Member.loans))
    )
