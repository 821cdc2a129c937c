# workspace: lending/schemas.py
from datetime import date
from typing import Any, Self

from pydantic import BaseModel


class LoanRead(BaseModel):
    """Right for the visible dates only: the due date itself counts as overdue,
    and returned loans are judged by their due date alone."""

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
            is_overdue=as_of >= loan.due_at,
        )
