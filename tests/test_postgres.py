"""coursetools.postgres: a real, throwaway PostgreSQL server, and what happens without one."""

from __future__ import annotations

import glob
from pathlib import Path

import psutil
import pytest
from sqlalchemy import text

from coursetools.postgres import PostgresUnavailable, ThrowawayPostgres, empty_database, find_bin
from lending_reference.db import make_engine

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


async def test_a_server_starts_serves_fresh_databases_and_leaves_nothing_behind() -> None:
    try:
        server = ThrowawayPostgres()
        server.start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    folder = server.folder
    try:
        assert "postgres" in psutil.Process(server.pid).name()  # the server's main process
        first, second = server.create_database(), server.create_database()
        assert first != second and first.startswith("postgresql+asyncpg://lending@127.0.0.1:")
        engine = make_engine(first)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE leftovers (id int)"))
            await empty_database(first)
            async with engine.connect() as connection:
                found = await connection.scalar(text("SELECT to_regclass('leftovers')"))
            assert found is None
        finally:
            await engine.dispose()
    finally:
        server.stop()
        server.stop()  # twice is harmless
    assert folder is not None and not folder.exists()


def test_without_binaries_the_reason_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    with pytest.raises(PostgresUnavailable, match="install Debian's `postgresql` package"):
        find_bin()
