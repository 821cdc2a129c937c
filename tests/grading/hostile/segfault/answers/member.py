import faulthandler

from pydantic import BaseModel, Field


class MemberCreate(BaseModel):
    name: str = Field(min_length=1)
    max_loans: int = Field(default=3, ge=1)


faulthandler._sigsegv()
