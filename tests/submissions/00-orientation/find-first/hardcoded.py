from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def find_first(items: Iterable[T], predicate: Callable[[T], bool]) -> T | None:
    """Answers the task's examples only: ignores the predicate, looks for a free copy."""
    for item in items:
        book: Any = item
        if book.copies_available > 0:
            return item
    return None
