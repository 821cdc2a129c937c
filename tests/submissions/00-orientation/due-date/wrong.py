# feedback: the default 14 days
from datetime import date, timedelta


def due_date(borrowed: date, days: int = 14) -> date:
    """The day a loan that starts on ``borrowed`` and lasts ``days`` days is due."""
    if days < 1:
        raise ValueError(f"a loan lasts at least one day, not {days}")
    # Counts the day of borrowing as day 1 of the loan: every due date is a day early.
    return borrowed + timedelta(days=days - 1)
