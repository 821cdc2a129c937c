"""Reference settings (notebook 05): configuration from the environment, typed.

Read once per process through :func:`get_settings`; tests override that
dependency (or clear its cache) instead of patching globals. A wrong value is
a clear error at start-up, not a surprise at the first request.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``LENDING_*`` environment variables, or a ``.env`` file beside the app."""

    model_config = SettingsConfigDict(env_prefix="LENDING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./lending.db",
        description="SQLAlchemy async URL; PostgreSQL is postgresql+asyncpg://user:pw@host/db",
    )
    loan_days: int = Field(default=14, ge=1, le=60)
    echo_sql: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
