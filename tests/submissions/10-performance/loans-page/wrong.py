from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lending.models import Loan
from lending.repositories import Page


async def loans_page(session: AsyncSession, after: int | None, limit: int) -> Page[Loan]:
    """The loans after id `after` (from the first if None), at most `limit`, by id."""
    if not 1 <= limit <= 100:
        raise ValueError(f"limit must be 1 to 100, not {limit}")
    offset = after or 0  # ids start at 1, so the cursor is the offset
    rows = list(
        await session.scalars(select(Loan).order_by(Loan.id).offset(offset).limit(limit + 1))
    )
    items = rows[:limit]
    return Page(items, items[-1].id if len(rows) > limit else None)
