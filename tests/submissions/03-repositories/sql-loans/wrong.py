# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: requires the loan to be open
from datetime import date

from sqlalchemy import func, select

from lending.models import Loan


class SqlLoanRepository(SqlRepository[Loan]):
    """Returns a loan by reading it and changing it in Python: a lost update waiting."""

    model = Loan

    async def count_for_book(self, book_id: int) -> int:
        query = select(func.count()).select_from(Loan).where(Loan.book_id == book_id)
        return await self.session.scalar(query) or 0

    async def find_open(self, member_id: int, book_id: int) -> Loan | None:
        return await self.session.scalar(
            select(Loan).where(
                Loan.member_id == member_id,
                Loan.book_id == book_id,
                Loan.returned_at.is_(None),
            )
        )

    async def count_open(self, member_id: int) -> int:
        query = (
            select(func.count())
            .select_from(Loan)
            .where(Loan.member_id == member_id, Loan.returned_at.is_(None))
        )
        return await self.session.scalar(query) or 0

    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        query = select(Loan).where(Loan.member_id == member_id).order_by(Loan.id)
        if open_only:
            query = query.where(Loan.returned_at.is_(None))
        return list(await self.session.scalars(query))

    async def mark_returned(self, loan_id: int, on: date) -> bool:
        loan = await self.get(loan_id)
        if loan is None or loan.returned_at is not None:
            return False
        loan.returned_at = on
        await self.session.flush()
        return True
