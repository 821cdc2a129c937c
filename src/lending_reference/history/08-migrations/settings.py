"""Reference settings (notebooks 05, 08): configuration from the environment, typed.

Read once per process through :func:`get_settings`; tests override that
dependency (or clear its cache) instead of patching globals. A wrong value is
a clear error at start-up, not a surprise at the first request.

Notebook 08: the tables of a deployed service come from its migrations
(``alembic upgrade head``), so the app creates none unless ``create_tables`` says so
(tests, notebooks, a throwaway demo database).
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
    create_tables: bool = Field(
        default=False,
        description="create missing tables at start-up (tests, notebooks); else migrate",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
