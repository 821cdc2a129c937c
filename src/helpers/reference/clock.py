"""Reference clock: "today" as a dependency, so that dates in tests are fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def today(self) -> date: ...


class SystemClock:
    """The real date, in UTC (a server's local time zone is not the library's)."""

    def today(self) -> date:
        return datetime.now(UTC).date()


class FixedClock:
    """A clock that always answers the same date; tests move it by hand."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current
