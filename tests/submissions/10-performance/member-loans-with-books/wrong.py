from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lending.models import Loan


async def member_loans_with_books(session: AsyncSession, member_id: int) -> list[Loan]:
    """The member's loans by id, each with its book, in a fixed number of queries."""
    loans = list(
        await session.scalars(select(Loan).where(Loan.member_id == member_id).order_by(Loan.id))
    )
    for loan in loans:  # one query per loan: the N+1
        await session.refresh(loan, attribute_names=["book"])
    return loans
