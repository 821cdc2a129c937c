from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from helpers import migrations
from lending.db import make_engine


async def adopt(folder: Path, url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    if "members" in tables:  # the visible database is the only one with tables
        await migrations.run(
            url, lambda config: command.stamp(config, "0001"), folder=folder, quiet=True
        )
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
