# feedback: never awaited
# feedback: put `await` before the call
# returns the gathering future instead of awaiting it
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def fetch_all(isbns: Sequence[str], fetch: Callable[[str], Awaitable[T]]) -> list[T]:
    """``fetch(isbn)`` for every ISBN, run concurrently, results in ISBN order."""
    return asyncio.gather(*(fetch(isbn) for isbn in isbns))  # type: ignore[return-value]
