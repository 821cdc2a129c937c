# workspace: lending/schemas.py
# Another style: a typed tuple, a set for the check, computed_field(return_type=...).
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field


class ReservationStatus(StrEnum):
    """Where a reservation stands: waiting, ready (a copy held), fulfilled or cancelled."""

    WAITING = "waiting"
    READY = "ready"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


ACTIVE_STATUSES: tuple[ReservationStatus, ...] = (
    ReservationStatus.WAITING,
    ReservationStatus.READY,
)


class ReservationRead(BaseModel):
    """A reservation, as the API returns it; ``is_active`` is computed, never stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    book_id: int
    reserved_at: date
    status: ReservationStatus
    ready_at: date | None = None

    @computed_field(return_type=bool)  # type: ignore[prop-decorator]  # Pydantic's form
    @property
    def is_active(self) -> bool:
        return self.status in {ReservationStatus.WAITING, ReservationStatus.READY}


### END SOLUTION
