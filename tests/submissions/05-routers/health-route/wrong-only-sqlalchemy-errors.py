# workspace: lending/routers.py
# feedback: refuses the connection
# feedback: OSError
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from lending.deps import SessionFactoryDep


class Health(BaseModel):
    """The body of `GET /health`: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


health = APIRouter(tags=["health"])


# Catches what SQLAlchemy raises only: a refused network connection (an OSError) escapes.
@health.get("/health", response_model=Health)
async def check_health(session_factory: SessionFactoryDep, response: Response) -> Health:
    try:
        async with session_factory() as session:
            await session.connection()
    except SQLAlchemyError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable")
    return Health(status="ok")
