# workspace: lending/schemas.py
# feedback: an address without an @
# feedback: EmailStr
# email is plain text
from pydantic import BaseModel, ConfigDict, Field


class MemberCreate(BaseModel):
    """A new member, as a client sends it; the server sets `id` and `active`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    email: str
    max_loans: int = Field(default=5, ge=1, le=10)
