# ruff: noqa: E402 (the idiom follows the reference answer)
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def find_first(items: Iterable[T], predicate: Callable[[T], bool]) -> T | None:
    """The first item for which ``predicate`` is true, or None when none is."""
    for item in items:
        if predicate(item):
            return item
    return None


# An honest addition: itertools
import itertools

print(list(itertools.islice(itertools.count(1), 3)), list(itertools.pairwise("abc")))
