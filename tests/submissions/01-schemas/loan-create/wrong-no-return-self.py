# workspace: lending/schemas.py
# feedback: `return self`
# the model validator returns nothing
from datetime import date, timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_LOAN_DAYS = 60


class LoanCreate(BaseModel):
    """A loan recorded at the desk, with the desk's dates."""

    model_config = ConfigDict(extra="forbid")

    member_id: int = Field(gt=0)
    book_id: int = Field(gt=0)
    borrowed_at: date
    due_at: date

    @model_validator(mode="after")
    def check_due_date(self) -> Self:
        if self.due_at <= self.borrowed_at:
            raise ValueError("due_at must be after borrowed_at")
        if self.due_at - self.borrowed_at > timedelta(days=MAX_LOAN_DAYS):
            raise ValueError(f"a loan lasts at most {MAX_LOAN_DAYS} days")
