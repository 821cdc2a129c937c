# feedback: except IntegrityError
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.models import Loan


async def open_loan(
    sessions: async_sessionmaker[AsyncSession],
    member_id: int,
    book_id: int,
    borrowed_at: date,
    due_at: date,
) -> Loan | None:
    """Catches the refusal around `add()`, where it is never raised."""
    loan = Loan(member_id=member_id, book_id=book_id, borrowed_at=borrowed_at, due_at=due_at)
    async with sessions() as session:
        try:
            session.add(loan)
        except IntegrityError:
            return None
        await session.commit()
    return loan
