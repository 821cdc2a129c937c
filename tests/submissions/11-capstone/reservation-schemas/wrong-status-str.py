# workspace: lending/schemas.py
# The status typed `str`: any word is accepted.
# feedback: status: ReservationStatus
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field


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
    status: str
    ready_at: date | None

    @computed_field  # type: ignore[prop-decorator]  # Pydantic's form; mypy wants @property alone
    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


### END SOLUTION
