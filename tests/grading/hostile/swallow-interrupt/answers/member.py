import time

from pydantic import BaseModel, Field


class MemberCreate(BaseModel):
    name: str = Field(min_length=1)
    max_loans: int = Field(default=3, ge=1)


while True:
    try:
        time.sleep(0.05)
    except BaseException:
        pass
