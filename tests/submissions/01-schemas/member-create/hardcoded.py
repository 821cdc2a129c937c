# workspace: lending/schemas.py
from pydantic import BaseModel, ConfigDict, EmailStr, Field


class MemberCreate(BaseModel):
    """Only the visible cases: no length limits on the name, no upper bound on loans."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    email: EmailStr
    max_loans: int = Field(default=5, gt=0)
