# workspace: lending/routers.py
# feedback: answers 503
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from lending.deps import SessionFactoryDep


class Health(BaseModel):
    """The body of `GET /health`: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


health = APIRouter(tags=["health"])


# The body says "unavailable", but the status stays 200: a load balancer keeps sending traffic.
@health.get("/health", response_model=Health)
async def check_health(session_factory: SessionFactoryDep) -> Health:
    try:
        async with session_factory() as session:
            await session.connection()
    except (SQLAlchemyError, OSError):
        return Health(status="unavailable")
    return Health(status="ok")
