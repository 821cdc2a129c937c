# feedback: a new session finds loan 1
# feedback: flushed but never committed (a new Loan)
# feedback: Commit inside `async with sessions() as session:`
# flushes, which gives the loan its id and lets the database check it, and never
# commits: the session's end rolls the loan back
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
    """Store a new loan in a session of its own; None when the database refuses it."""
    loan = Loan(member_id=member_id, book_id=book_id, borrowed_at=borrowed_at, due_at=due_at)
    async with sessions() as session:
        session.add(loan)
        try:
            await session.flush()
        except IntegrityError:
            return None
    return loan
