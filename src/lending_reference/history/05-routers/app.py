"""Reference application (notebook 05): the app factory and its lifespan.

The engine is built when the app starts and disposed when it stops, never at
import time: importing the module touches no database, and each test app gets
its own engine from its own settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from .db import create_schema, make_engine, make_session_factory
from .errors import Conflict, LendingError, NotFound
from .routers import ROUTERS
from .settings import Settings, get_settings


def create_app(
    settings: Settings | None = None,
    *,
    routers: Sequence[APIRouter] | None = None,
    create_tables: bool = True,
) -> FastAPI:
    """A configured app; ``settings`` defaults to the environment's.

    Given settings replace ``get_settings`` for every dependency of this app,
    so the engine and the services see the same configuration. ``routers``
    defaults to every router of the service (``ROUTERS``); a test may serve
    only the one it checks.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or get_settings()
        engine = make_engine(config.database_url, echo=config.echo_sql)
        if create_tables:
            await create_schema(engine)
        app.state.session_factory = make_session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="Lending library", version="1.0.0", lifespan=lifespan)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    for router in ROUTERS if routers is None else routers:
        app.include_router(router)
    app.add_exception_handler(LendingError, lending_error_handler)  # type: ignore[arg-type]
    return app


async def lending_error_handler(request: Request, exc: LendingError) -> JSONResponse:
    """Domain errors as HTTP: 404 for what does not exist, 409 for a broken rule.

    Notebook 06 replaces this with RFC 9457 problem details for every error.
    """
    status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
    return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=status)
