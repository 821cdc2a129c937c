# workspace: lending/schemas.py
from pydantic import BaseModel, ConfigDict, Field


class MemberRead(BaseModel):
    """Declares the internal fields and hides them from the output with exclude=True.

    `model_dump()` looks right, but the secrets are still part of the schema, are
    required on input, and travel inside every response object.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    active: bool
    max_loans: int
    password_hash: str = Field(exclude=True)
    internal_notes: str = Field(exclude=True)
