# ruff: noqa: E402 (the idiom follows the reference answer)
from datetime import date, timedelta


def due_date(borrowed: date, days: int = 14) -> date:
    """The day a loan that starts on ``borrowed`` and lasts ``days`` days is due."""
    if days < 1:
        raise ValueError(f"a loan lasts at least one day, not {days}")
    return borrowed + timedelta(days=days)


# An honest addition: decimal-fractions
import decimal
from fractions import Fraction

decimal.getcontext().prec = 28
print(decimal.Decimal("0.1") + decimal.Decimal("0.2"), Fraction(1, 3) * 3)
