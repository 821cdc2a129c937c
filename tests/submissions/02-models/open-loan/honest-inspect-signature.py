# ruff: noqa: E402 (the idiom follows the reference answer)
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
            await session.commit()
        except IntegrityError:
            return None  # leaving the block rolls the session back
    return loan


# An honest addition: inspect-signature
from inspect import signature


def _example(a: int, *, b: str = "x") -> None: ...


print(list(signature(_example).parameters))
