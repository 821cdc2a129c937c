# workspace: lending/schemas.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from pydantic import BaseModel, ConfigDict


class MemberRead(BaseModel):
    """A member, as the API returns it: never a password hash or staff notes."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    active: bool
    max_loans: int


# An honest addition: warnings-catch
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.warn("just checking", UserWarning, stacklevel=1)
print(len(caught))
