# feedback: got:      None
# feedback: `return
# computes the date, but never returns it
from datetime import date, timedelta


def due_date(borrowed: date, days: int = 14) -> date:
    """The day a loan that starts on ``borrowed`` and lasts ``days`` days is due."""
    if days < 1:
        raise ValueError(f"a loan lasts at least one day, not {days}")
    borrowed + timedelta(days=days)
