# workspace: lending/schemas.py
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class MemberUpdate(BaseModel):
    """Refuses null for the name only, and has no bounds on `max_loans`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    active: bool | None = None
    max_loans: int | None = None

    @field_validator("name", mode="before")
    @classmethod
    def reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


def apply_member_update(current: dict[str, Any], update: MemberUpdate) -> dict[str, Any]:
    """Drops falsy values, so `active=False` is never applied."""
    changes = {k: v for k, v in update.model_dump(exclude_unset=True).items() if v}
    return {**current, **changes}
