# workspace: lending/schemas.py
# feedback: two weeks before its due date
# feedback: Compare `as_of`
# judges on the computer's date, not on as_of
from datetime import date
from typing import Any, Self

from pydantic import BaseModel


class LoanRead(BaseModel):
    """A loan, as the API returns it; `is_overdue` is computed, never stored."""

    id: int
    member_id: int
    book_id: int
    borrowed_at: date
    due_at: date
    returned_at: date | None
    is_overdue: bool

    @classmethod
    def from_loan(cls, loan: Any, *, as_of: date) -> Self:
        """Read the stored fields of `loan`; compute `is_overdue` on `as_of`."""
        return cls(
            id=loan.id,
            member_id=loan.member_id,
            book_id=loan.book_id,
            borrowed_at=loan.borrowed_at,
            due_at=loan.due_at,
            returned_at=loan.returned_at,
            is_overdue=loan.returned_at is None and date.today() > loan.due_at,
        )
