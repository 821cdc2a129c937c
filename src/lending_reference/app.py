"""Reference application (notebooks 05, 06, 08): the app factory and its lifespan.

The engine is built when the app starts and disposed when it stops, never at
import time: importing the module touches no database, and each test app gets
its own engine from its own settings. Every failure is answered as a problem
(``.problems``, notebook 06). The tables come from the migrations (notebook 08):
the app creates them only when told to, by its settings or by ``create_tables``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from .db import create_schema, make_engine, make_session_factory
from .problems import install_problem_handlers
from .routers import ROUTERS
from .settings import Settings, get_settings


def create_app(
    settings: Settings | None = None,
    *,
    routers: Sequence[APIRouter] | None = None,
    create_tables: bool | None = None,
) -> FastAPI:
    """A configured app; ``settings`` defaults to the environment's.

    Given settings replace ``get_settings`` for every dependency of this app,
    so the engine and the services see the same configuration. ``routers``
    defaults to every router of the service (``ROUTERS``); a test may serve
    only the one it checks. ``create_tables`` defaults to the settings' ``create_tables``.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or get_settings()
        engine = make_engine(config.database_url, echo=config.echo_sql)
        if config.create_tables if create_tables is None else create_tables:
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
    return install_problem_handlers(app)
