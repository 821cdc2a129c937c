# workspace: lending/clock.py
# feedback: advance must change the clock itself
from datetime import date, timedelta


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current

    def advance(self, days: int = 1) -> date:
        # Computes the new date but never stores it: the clock does not move.
        return self.current + timedelta(days=days)
