# workspace: lending/schemas.py
from pydantic import BaseModel, ConfigDict, EmailStr, Field


class MemberCreate(BaseModel):
    """A new member, as a client sends it; the server sets `id` and `active`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    max_loans: int = Field(default=5, ge=1, le=10)


# An honest addition: class-with-slots
class _Pair:
    __slots__ = ("left", "right")

    def __init__(self, left: int, right: int) -> None:
        self.left, self.right = left, right

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pair) and (self.left, self.right) == (other.left, other.right)

    def __hash__(self) -> int:
        return hash((self.left, self.right))


print(_Pair(1, 2) == _Pair(1, 2), len({_Pair(1, 2), _Pair(1, 2)}))
