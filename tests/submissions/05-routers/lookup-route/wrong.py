# ruff: noqa: F821 (BookInfo and IsbnClientDep are defined by the notebook's earlier cells)
# feedback: run_in_threadpool
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool  # noqa: F401 (the cell's given import)

lookup = APIRouter(prefix="/lookup", tags=["lookup"])


# The blocking call runs on the event loop: /ping waits until the client has answered.
@lookup.get("/{isbn}", response_model=BookInfo)
async def look_up(isbn: str, client: IsbnClientDep) -> BookInfo:
    return BookInfo(isbn=isbn, title=client.title(isbn))
