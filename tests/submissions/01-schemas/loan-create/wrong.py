# workspace: lending/schemas.py
# feedback: a loan due before it was borrowed is refused
from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_LOAN_DAYS = 60


class LoanCreate(BaseModel):
    """Checks the longest loan only: a due date before the borrow date gets through."""

    model_config = ConfigDict(extra="forbid")

    member_id: int = Field(gt=0)
    book_id: int = Field(gt=0)
    borrowed_at: date
    due_at: date

    @model_validator(mode="after")
    def check_due_date(self) -> Self:
        if (self.due_at - self.borrowed_at).days > MAX_LOAN_DAYS:
            raise ValueError(f"a loan lasts at most {MAX_LOAN_DAYS} days")
        return self
