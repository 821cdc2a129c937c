# ruff: noqa: F821 (the idiom follows the reference answer)
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

lookup = APIRouter(prefix="/lookup", tags=["lookup"])


@lookup.get("/{isbn}", response_model=BookInfo)
async def look_up(isbn: str, client: IsbnClientDep) -> BookInfo:
    title = await run_in_threadpool(client.title, isbn)
    return BookInfo(isbn=isbn, title=title)


# An honest addition: walrus-lambda
data = [1, 2, 3, 4]
if (count := len(data)) > 2:
    print(count, list(filter(lambda n: n % 2 == 0, data)), list(map(str, data)))
