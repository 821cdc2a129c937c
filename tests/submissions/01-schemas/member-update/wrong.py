# workspace: lending/schemas.py
# feedback: exclude_unset=True
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class MemberUpdate(BaseModel):
    """A correct schema."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    active: bool | None = None
    max_loans: int | None = Field(default=None, ge=1, le=10)

    @field_validator("name", "email", "active", "max_loans", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


def apply_member_update(current: dict[str, Any], update: MemberUpdate) -> dict[str, Any]:
    """`model_dump()` without `exclude_unset`: fields left out overwrite with None."""
    return {**current, **update.model_dump()}
