# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: count_open
# counts returned loans as open
from datetime import date

from sqlalchemy import func, select, update

from lending.models import Loan


class SqlLoanRepository(SqlRepository[Loan]):
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
        query = select(func.count()).select_from(Loan).where(Loan.member_id == member_id)
        return await self.session.scalar(query) or 0

    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        query = select(Loan).where(Loan.member_id == member_id).order_by(Loan.id)
        if open_only:
            query = query.where(Loan.returned_at.is_(None))
        return list(await self.session.scalars(query))

    async def mark_returned(self, loan_id: int, on: date) -> bool:
        result = await self.session.execute(
            update(Loan)
            .where(Loan.id == loan_id, Loan.returned_at.is_(None))
            .values(returned_at=on)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount == 1:
            return True
        await self.session.get(Loan, loan_id, populate_existing=True)  # closed elsewhere?
        return False
