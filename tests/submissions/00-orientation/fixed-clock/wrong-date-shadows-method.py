# workspace: lending/clock.py
# feedback: not callable
# stores the date under the method's own name
from datetime import date, timedelta


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.today = today  # type: ignore[method-assign]

    def today(self) -> date:
        return self.today  # type: ignore[return-value]

    def advance(self, days: int = 1) -> None:
        self.today += timedelta(days=days)  # type: ignore[operator]
