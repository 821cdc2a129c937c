# feedback: IndexError
# feedback: when no item matches, it returns None
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def find_first(items: Iterable[T], predicate: Callable[[T], bool]) -> T | None:
    """The first item for which ``predicate`` is true, or None when none is."""
    matches = [item for item in items if predicate(item)]
    # Fails when nothing matches: indexing an empty list raises IndexError.
    return matches[0]
