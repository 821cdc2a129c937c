"""Reference clock (notebook 00): "today" as a dependency, so that dates in tests are fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything that can tell the service today's date."""

    def today(self) -> date: ...


class SystemClock:
    """The real calendar, in UTC: a server's local time zone is not the library's."""

    def today(self) -> date:
        return datetime.now(UTC).date()


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current

    def advance(self, days: int = 1) -> None:
        self.current += timedelta(days=days)
