# workspace: lending/repositories.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: Ada has returned book 3
from datetime import date

from lending.models import Loan


class InMemoryLoanRepository(InMemoryRepository[Loan]):
    """`find_open` forgets to check `returned_at`: a returned loan counts as open."""

    async def count_for_book(self, book_id: int) -> int:
        return sum(1 for loan in self.items.values() if loan.book_id == book_id)

    async def add(self, entity: Loan) -> Loan:
        if entity.returned_at is None and await self.find_open(entity.member_id, entity.book_id):
            raise DuplicateError("an open loan of this book by this member exists")
        return self._store(entity)

    async def find_open(self, member_id: int, book_id: int) -> Loan | None:
        return next(
            (
                loan
                for loan in self._sorted()
                if loan.member_id == member_id and loan.book_id == book_id
            ),
            None,
        )

    async def count_open(self, member_id: int) -> int:
        return len(await self.list_for_member(member_id, open_only=True))

    async def list_for_member(self, member_id: int, *, open_only: bool = False) -> list[Loan]:
        return [
            loan
            for loan in self._sorted()
            if loan.member_id == member_id and not (open_only and loan.returned_at is not None)
        ]

    async def mark_returned(self, loan_id: int, on: date) -> bool:
        loan = self.items.get(loan_id)
        if loan is None or loan.returned_at is not None:
            return False
        loan.returned_at = on
        return True
