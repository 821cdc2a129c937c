import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.models import Loan


async def open_loan_counts(
    session_factory: async_sessionmaker[AsyncSession], member_ids: Sequence[int]
) -> dict[int, int]:
    """Each member's number of open loans, looked up concurrently, a session per task."""
    async with session_factory() as session:  # one session for every task

        async def count(member_id: int) -> int:
            query = select(func.count()).where(
                Loan.member_id == member_id, Loan.returned_at.is_(None)
            )
            return int(await session.scalar(query) or 0)

        counts = await asyncio.gather(*(count(member_id) for member_id in member_ids))
    return dict(zip(member_ids, counts, strict=True))
