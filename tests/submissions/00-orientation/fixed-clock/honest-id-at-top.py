# workspace: lending/clock.py
from datetime import date, timedelta


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current

    def advance(self, days: int = 1) -> None:
        self.current += timedelta(days=days)


# An honest addition: id-at-top
ids = [3, 1, 2]
id = max(ids)
for id in sorted(ids):
    print("id", id)
