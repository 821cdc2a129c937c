# workspace: lending/schemas.py
# ruff: noqa: E402 (the idiom follows the reference answer)
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
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


def apply_member_update(current: dict[str, Any], update: MemberUpdate) -> dict[str, Any]:
    """A new dict: `current` with the fields set in `update` changed."""
    return {**current, **update.model_dump(exclude_unset=True)}


# An honest addition: operator-attrgetter
import operator
from types import SimpleNamespace

rows = [SimpleNamespace(id=2), SimpleNamespace(id=1)]
print([row.id for row in sorted(rows, key=operator.attrgetter("id"))])
