# workspace: lending/routers.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from lending.deps import SessionFactoryDep


class Health(BaseModel):
    """The body of `GET /health`: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


health = APIRouter(tags=["health"])


@health.get("/health", response_model=Health)
async def check_health(session_factory: SessionFactoryDep, response: Response) -> Health:
    try:
        async with session_factory() as session:
            await session.connection()
    except (SQLAlchemyError, OSError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable")
    return Health(status="ok")


# An honest addition: typing
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Sized(Protocol):
    def __len__(self) -> int: ...


def _size(value: _Sized | Any) -> int:
    return len(value)


def _first(items: "Iterator[int]") -> int:
    return next(items)
