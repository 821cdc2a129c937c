"""Dependency overrides for test cells that survive a cell being run again.

FastAPI keys ``app.dependency_overrides`` by the exact callable. In a notebook,
running the cell that defines ``get_clock`` again makes a new function, while
routes written before still depend on the old one: an override keyed by the new
one would miss them, and a correct route would fail its test. :func:`override`
replaces the dependency and every earlier definition of it that the app's routes
still use (same module, same qualified name).

Likewise a cell that adds routes to a router an earlier cell made adds them again each
time it runs, and the first route of a path answers: :func:`latest_routes` keeps the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def override(app: FastAPI, dependency: Callable[..., Any], replacement: Callable[..., Any]) -> None:
    """Make ``app`` call ``replacement`` wherever its routes depend on ``dependency``."""
    app.dependency_overrides[dependency] = replacement
    for call in _dependencies(app):
        if _same_definition(call, dependency):
            app.dependency_overrides[call] = replacement


def latest_routes(router: APIRouter) -> None:
    """Keep, of ``router``'s routes for one path and method, the one added last."""
    taken: set[tuple[str, str]] = set()
    kept: list[BaseRoute] = []
    for route in reversed(router.routes):
        if isinstance(route, APIRoute):
            answers = {(route.path, method) for method in route.methods or ()}
            if answers <= taken:
                continue  # an earlier run of the cell: the later route replaces it
            taken |= answers
        kept.append(route)
    router.routes[:] = kept[::-1]


def _same_definition(call: Callable[..., Any], dependency: Callable[..., Any]) -> bool:
    return getattr(call, "__module__", None) == getattr(dependency, "__module__", None) and getattr(
        call, "__qualname__", None
    ) == getattr(dependency, "__qualname__", None)


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    """The app's routes, those of included routers too (FastAPI may keep those apart)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _dependencies(app: FastAPI) -> Iterator[Callable[..., Any]]:
    """Every callable in the dependency trees of the app's routes."""
    stack = [route.dependant for route in _api_routes(app.routes)]
    while stack:
        dependant = stack.pop()
        for sub in dependant.dependencies:
            if sub.call is not None:
                yield sub.call
            stack.append(sub)
