# feedback: the first book with a copy left
# returns every match, not the first
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def find_first(items: Iterable[T], predicate: Callable[[T], bool]) -> T | None:
    """The first item for which ``predicate`` is true, or None when none is."""
    matches = [item for item in items if predicate(item)]
    return matches or None  # type: ignore[return-value]
