from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lending.models import Loan, Member


async def member_with_loans(session: AsyncSession, member_id: int) -> Member | None:
    """The member, with `member.loans` and each loan's `book` loaded; None if unknown."""
    return await session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(selectinload(Member.loans).selectinload(Loan.book))
    )


# An honest addition: dunder-reads
class Shelf:
    def __repr__(self) -> str:
        return f"{type(self).__name__}() in {self.__class__.__module__}"


print(Shelf(), Shelf.__mro__, Shelf.__name__, Shelf.__doc__, sorted(Shelf.__dict__)[:1])
