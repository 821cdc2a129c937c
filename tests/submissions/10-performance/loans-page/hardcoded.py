from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lending.models import Loan
from lending.repositories import Page


async def loans_page(session: AsyncSession, after: int | None, limit: int) -> Page[Loan]:
    """The loans after id `after` (from the first if None), at most `limit`, by id."""
    if not 1 <= limit <= 100:
        raise ValueError(f"limit must be 1 to 100, not {limit}")
    query = select(Loan).order_by(Loan.id).limit(limit)
    if after is not None:
        query = query.where(Loan.id > after)
    items = list(await session.scalars(query))
    return Page(items, items[-1].id if len(items) == limit else None)
