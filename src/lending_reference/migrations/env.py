"""Alembic's environment for the lending service (async template, course wiring).

Alembic runs this file for every command. It decides three things:

- *what the schema should be*: the models' metadata (autogenerate and ``check``
  compare the database with it), whose naming convention gives every constraint
  a stable name a downgrade can drop;
- *which database*: ``config.attributes["database_url"]`` when code passes one,
  else the service's own settings (``LENDING_DATABASE_URL``), never ``alembic.ini``;
- *how to connect*: a connection passed in ``config.attributes["connection"]``
  (code that already runs an event loop, such as a notebook or a test; its
  caller commits), else an async engine of its own (the ``alembic`` command line).

SQLite cannot alter most of a table in place, so every revision renders and
runs in batch mode (copy, alter, swap).
"""

from __future__ import annotations

import asyncio
from importlib import import_module
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from lending_reference.models import Base
from lending_reference.settings import get_settings

config = context.config
if config.config_file_name is not None:  # the command line: alembic.ini's logging
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _load_tables_beside_the_models() -> None:
    """Notebook 09's ``accounts`` table is defined in the security layer: it joins the
    metadata when that module is imported. A package without the layer has no such table."""
    layer = f"{Base.__module__.rpartition('.')[0]}.security"
    try:
        import_module(layer)
    except ModuleNotFoundError as missing:
        if missing.name != layer:
            raise


_load_tables_beside_the_models()
target_metadata = config.attributes.get("target_metadata", Base.metadata)


def database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Batch mode copies a table, drops the old one and renames the copy: with foreign keys
        # enforced, dropping a table that others reference fails. SQLite reads this pragma only
        # outside a transaction, so it comes first; the check below re-checks every key.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken}")


async def run_async_migrations() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:  # committed here, rolled back on failure
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
