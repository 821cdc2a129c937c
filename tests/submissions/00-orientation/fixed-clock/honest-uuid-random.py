# workspace: lending/clock.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from datetime import date, timedelta


class FixedClock:
    """A clock that shows the date you set, and moves only when told to."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self) -> date:
        return self.current

    def advance(self, days: int = 1) -> None:
        self.current += timedelta(days=days)


# An honest addition: uuid-random
import random
import uuid

rng = random.Random(42)
print(uuid.UUID(int=rng.getrandbits(128)).version, rng.randint(1, 6) in range(1, 7))
