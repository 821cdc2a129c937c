# workspace: lending/routers.py
# feedback: a refused connection (an OSError) answers 503
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from lending.deps import SettingsDep


class Health(BaseModel):
    """The body of `GET /health`: whether the service can do its work now."""

    status: Literal["ok", "unavailable"]


health = APIRouter(tags=["health"])


# Guesses from the URL of the visible example instead of trying the database.
@health.get("/health", response_model=Health)
async def check_health(settings: SettingsDep, response: Response) -> Health:
    if "missing" in settings.database_url:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable")
    return Health(status="ok")
