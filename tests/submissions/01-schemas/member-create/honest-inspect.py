# workspace: lending/schemas.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from pydantic import BaseModel, ConfigDict, EmailStr, Field


class MemberCreate(BaseModel):
    """A new member, as a client sends it; the server sets `id` and `active`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    max_loans: int = Field(default=5, ge=1, le=10)


# An honest addition: inspect
import inspect

print([name for name, _ in inspect.getmembers(inspect, inspect.isfunction)][:3])
