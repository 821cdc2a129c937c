"""Reference settings (notebooks 05, 08, 09): configuration from the environment, typed.

Read once per process through :func:`get_settings`; tests override that
dependency (or clear its cache) instead of patching globals. A wrong value is
a clear error at start-up, not a surprise at the first request.

Notebook 08: the tables of a deployed service come from its migrations
(``alembic upgrade head``), so the app creates none unless ``create_tables`` says so
(tests, notebooks, a throwaway demo database).

Notebook 09 adds what the security layer needs. The signing key is a ``SecretStr``:
its ``repr`` and ``str`` are ``'**********'``, so printing or logging the settings
never shows it. Unset, it is a random key made at start-up: no default key ever
exists that an attacker could know (tokens then last only as long as the process).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``LENDING_*`` environment variables, or a ``.env`` file beside the app."""

    # hide_input_in_errors: a start-up error names the setting, never the value (a key)
    model_config = SettingsConfigDict(
        env_prefix="LENDING_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

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

    token_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        min_length=32,
        description="HS256 signing key, at least 32 characters; unset: random per process",
    )
    token_issuer: str = "https://lending.example"
    token_audience: str = "lending-api"
    token_minutes: int = Field(default=15, ge=1, le=1440)
    # Argon2id's cost (RFC 9106's second recommendation: t=3, 64 MiB, p=4). Lower it
    # only for tests, where the passwords protect nothing.
    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=65536, ge=8, le=1048576)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)

    @model_validator(mode="after")
    def check_argon2_memory(self) -> Self:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError("argon2_memory_kib must be at least 8 per degree of parallelism")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
