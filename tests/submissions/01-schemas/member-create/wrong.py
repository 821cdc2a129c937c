# workspace: lending/schemas.py
# feedback: unknown fields are refused
from pydantic import BaseModel, ConfigDict, EmailStr, Field


class MemberCreate(BaseModel):
    """Every rule but one: unknown fields such as `active` are silently ignored."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    max_loans: int = Field(default=5, ge=1, le=10)
