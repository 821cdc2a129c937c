"""helpers.overrides: an override that also reaches routes written before a cell was re-run.

No ``from __future__ import annotations`` here: FastAPI must see the routes'
``Annotated`` dependencies as objects, and they name local functions.
"""

from collections.abc import Callable
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from httpx import ASGITransport, AsyncClient

from helpers.overrides import latest_routes, override

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def define_get_clock() -> Callable[[], str]:
    """What running the dependencies cell does: a new `get_clock` each time."""

    def get_clock() -> str:
        return "system clock"

    return get_clock


def define_router(get_clock: Callable[[], str]) -> APIRouter:
    """What running a route cell does: the route depends on the `get_clock` of that moment."""
    router = APIRouter()

    def today(clock: Annotated[str, Depends(get_clock)]) -> str:
        return clock

    def service(clock: Annotated[str, Depends(get_clock)]) -> str:
        return f"service on {clock}"

    @router.get("/today")
    async def read_today(clock: Annotated[str, Depends(today)]) -> str:
        return clock

    @router.get("/service")
    async def read_service(answer: Annotated[str, Depends(service)]) -> str:
        return answer

    return router


async def answers(app: FastAPI) -> list[str]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        return [(await client.get(path)).json() for path in ("/today", "/service")]


async def test_an_override_reaches_routes_written_before_the_cell_was_run_again() -> None:
    first = define_get_clock()
    app = FastAPI()
    app.include_router(define_router(first))
    again = define_get_clock()  # the dependencies cell is run again
    assert again is not first

    app.dependency_overrides[again] = lambda: "plain override"
    assert await answers(app) == ["system clock", "service on system clock"]  # missed

    override(app, again, lambda: "fixed clock")
    assert await answers(app) == ["fixed clock", "service on fixed clock"]


async def test_other_dependencies_are_left_alone() -> None:
    def get_clock() -> str:
        return "another module's clock"

    get_clock.__qualname__ = "elsewhere.get_clock"
    app = FastAPI()
    app.include_router(define_router(define_get_clock()))
    override(app, get_clock, lambda: "fixed clock")
    assert await answers(app) == ["system clock", "service on system clock"]


async def test_a_route_cell_run_again_replaces_its_routes() -> None:
    router = APIRouter()

    @router.get("/kept")
    async def kept() -> str:
        return "kept"

    def route_cell(answer: str) -> None:
        @router.delete("/thing")
        async def delete_thing() -> str:
            return answer

    route_cell("first run")
    route_cell("second run")  # the cell, run again
    latest_routes(router)
    app = FastAPI()
    app.include_router(router)
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.delete("/thing")).json() == "second run"
        assert (await client.get("/kept")).json() == "kept"
    assert len(router.routes) == 2
