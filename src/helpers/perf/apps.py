"""The apps a service benchmark compares, as factories for ``uvicorn --factory``.

- :func:`memory_app`: plain FastAPI serving books from a list, with the service's own
  response model: the framework's ceiling, the anchor every figure is relative to;
- :func:`reference_app`: the reference service as it is now (``lending_reference``);
- :func:`unshared_reference_app`: the same with shared reads off, so that a benchmark
  can tell what sharing adds to the rest;
- :func:`checkpoint_app`: the service as notebook 10 finds it (its checkpoint), the
  "before" of the same run.

The two services read ``LENDING_DATABASE_URL``, a database that
:func:`helpers.perf.data.seed_library` filled.
"""

from __future__ import annotations

import importlib
from typing import Annotated

from fastapi import FastAPI, Query, Request

from helpers.checkpoint import restore
from lending_reference.schemas import BookRead

from .data import Library, book_rows


def memory_books(count: int = 100) -> list[BookRead]:
    """The first ``count`` books of a seeded library, as the API returns them."""
    rows = book_rows(Library(books=count, loans=0))
    return [BookRead.model_validate({"id": n, **row}) for n, row in enumerate(rows, start=1)]


def memory_app() -> FastAPI:
    books = memory_books()
    app = FastAPI()

    @app.get("/books", response_model=list[BookRead])
    async def list_books(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[BookRead]:
        return books[offset : offset + limit]

    return app


def reference_app() -> FastAPI:
    from lending_reference.app import create_app

    return create_app()


def unshared_reference_app() -> FastAPI:
    """The reference service, each request reading for itself (no shared reads)."""
    from lending_reference.app import create_app
    from lending_reference.reads import BookReader, SharedReads, get_book_reader

    async def own_reader(request: Request) -> BookReader:
        reader = BookReader(request.app.state.session_factory)
        reader.shared = SharedReads()  # its own: nothing to share with
        return reader

    app = create_app()
    app.dependency_overrides[get_book_reader] = own_reader
    return app


def checkpoint_app(notebook: str = "10-performance") -> FastAPI:
    """The service from ``notebook``'s checkpoint: every layer as it was before it."""
    restore(notebook)
    app: FastAPI = importlib.import_module("lending.app").create_app()
    return app
