# workspace: lending/schemas.py
# feedback: `null` for the name is refused
# a client may set a field to null
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class MemberUpdate(BaseModel):
    """A partial update of a member: only the fields the client sends change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    active: bool | None = None
    max_loans: int | None = Field(default=None, ge=1, le=10)

    @field_validator("name", "email", "active", "max_loans", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        return value


def apply_member_update(current: dict[str, Any], update: MemberUpdate) -> dict[str, Any]:
    """A new dict: `current` with the fields set in `update` changed."""
    return {**current, **update.model_dump(exclude_unset=True)}
