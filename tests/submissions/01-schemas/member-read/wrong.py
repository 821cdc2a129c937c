# workspace: lending/schemas.py
# feedback: from_attributes=True
from pydantic import BaseModel


class MemberRead(BaseModel):
    """The right fields, but without `from_attributes`: it cannot read an object."""

    id: int
    name: str
    email: str
    active: bool
    max_loans: int
