# workspace: lending/schemas.py
# `is_active` a plain property: it never reaches the JSON.
# feedback: @computed_field
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ReservationStatus(StrEnum):
    """Where a reservation stands: waiting, ready (a copy held), fulfilled or cancelled."""

    WAITING = "waiting"
    READY = "ready"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (ReservationStatus.WAITING, ReservationStatus.READY)


class ReservationRead(BaseModel):
    """A reservation, as the API returns it; ``is_active`` is computed, never stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    book_id: int
    reserved_at: date
    status: ReservationStatus
    ready_at: date | None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


### END SOLUTION
