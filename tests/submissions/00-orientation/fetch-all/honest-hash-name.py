# ruff: noqa: E402 (the idiom follows the reference answer)
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def fetch_all(isbns: Sequence[str], fetch: Callable[[str], Awaitable[T]]) -> list[T]:
    """``fetch(isbn)`` for every ISBN, run concurrently, results in ISBN order."""
    return list(await asyncio.gather(*(fetch(isbn) for isbn in isbns)))


# An honest addition: hash-name
import hashlib

hash = hashlib.sha256(b"correct horse battery staple").hexdigest()
print(len(hash))
