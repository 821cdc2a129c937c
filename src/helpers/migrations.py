"""Alembic in the notebooks: a migrations folder wired as the service's, revisions from cells.

Notebook 08 drives Alembic through its command API on a real migrations folder:
the learner's own (``workspace/lending/migrations``) while learning, a
temporary one while grading (nothing is saved then). The folder's ``env.py`` is
the reference service's, reading ``lending.models`` instead of
``lending_reference.models``, so the same folder works with the ``alembic``
command line once the package is the learner's.

Commands run through :mod:`lending_reference.migrate` (pass ``folder=``). A
revision exercise is a cell that *is* a revision file (``revision``,
``down_revision``, ``upgrade``, ``downgrade``); :func:`write_revision` writes
that cell's text into a folder's ``versions/``, where Alembic loads it like any
other revision.
"""

from __future__ import annotations

import ast
import linecache
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from helpers.checkpoint import REFERENCE
from helpers.workspace import saving_enabled, workspace_dir
from lending_reference.migrate import alembic_config, check, current, downgrade, run, upgrade

__all__ = [
    "alembic_config",
    "check",
    "current",
    "downgrade",
    "learners_folder",
    "migrations_folder",
    "read_schema",
    "reference_revisions",
    "run",
    "schema_of",
    "scratch_dir",
    "scratch_folder",
    "scratch_url",
    "upgrade",
    "write_revision",
]

REFERENCE_MIGRATIONS = REFERENCE / "migrations"
"""The reference service's migrations folder: the course's env.py and the answer chain."""

TEMPLATE_FILES = ("script.py.mako", "alembic.ini")


def course_env() -> str:
    """The reference ``env.py``, for a package named ``lending``."""
    text = (REFERENCE_MIGRATIONS / "env.py").read_text("utf-8")
    return text.replace("from lending_reference.", "from lending.")


def migrations_folder(folder: Path) -> Path:
    """Make ``folder`` a migrations folder wired as the service's; keep its revisions."""
    (folder / "versions").mkdir(parents=True, exist_ok=True)
    (folder / "env.py").write_text(course_env(), "utf-8")
    for name in TEMPLATE_FILES:
        shutil.copyfile(REFERENCE_MIGRATIONS / name, folder / name)
    return folder


_SCRATCH: list[tempfile.TemporaryDirectory[str]] = []


def scratch_dir() -> Path:
    """A new empty folder, removed when the kernel exits."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.TemporaryDirectory(prefix="course-migrations-"))
    return Path(tempfile.mkdtemp(dir=_SCRATCH[0].name))


def scratch_url(name: str = "library") -> str:
    """A new SQLite database file (migrations connect on their own: not ``:memory:``)."""
    return f"sqlite+aiosqlite:///{scratch_dir()}/{name}.db"


def scratch_folder(*revisions: str) -> Path:
    """A new migrations folder holding the reference chain's ``revisions`` (say "0001")."""
    folder = migrations_folder(scratch_dir() / "migrations")
    reference_revisions(folder, *revisions)
    return folder


def learners_folder() -> Path:
    """The learner's migrations folder; a scratch one while grading (nothing is saved)."""
    if saving_enabled():
        return migrations_folder(workspace_dir() / "lending" / "migrations")
    return migrations_folder(scratch_dir() / "migrations")


def reference_revisions(folder: Path, *revisions: str) -> None:
    """Copy the reference chain's revision files ``revisions`` (such as "0001") into ``folder``."""
    for revision in revisions:
        (source,) = (REFERENCE_MIGRATIONS / "versions").glob(f"{revision}_*.py")
        shutil.copyfile(source, folder / "versions" / source.name)


def schema_of(connection: Connection) -> dict[str, Any]:
    """Every table's columns, keys, constraints and indexes, as the database reports them.

    Types are compared by name (``VARCHAR``), defaults by presence: databases spell
    both their own way. ``alembic_version`` is the migrations' bookkeeping, not schema.
    """
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]).split("(")[0], c["nullable"], c["default"] is not None)
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["name"],
            "fks": sorted(
                (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(u["name"] for u in inspector.get_unique_constraints(table)),
            "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL's index behind a UNIQUE
            ),
        }
    return schema


async def read_schema(url: str) -> dict[str, Any]:
    """:func:`schema_of` the database at ``url``."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(schema_of)
    finally:
        await engine.dispose()


class RevisionCellError(ValueError):
    """A cell cannot be written as a revision file (the message says why)."""


def cell_source(function: Callable[..., object]) -> str:
    """The text of the notebook cell (or file) that defined ``function``."""
    lines = linecache.getlines(function.__code__.co_filename)
    if not lines:
        raise RevisionCellError(
            f"the source of {function.__name__}() cannot be found: define it in a notebook "
            "cell (or a file), not with exec()"
        )
    return "".join(lines)


def revision_of(source: str) -> tuple[str, str | None]:
    """The ``revision`` and ``down_revision`` a revision file's text assigns."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
        raise RevisionCellError(
            'a revision cell assigns `revision = "NNNN"` and `down_revision = "NNNN"` '
            "(or None) at top level, as a revision file does"
        )
    return revision, down


def write_revision(folder: Path, upgrade: Callable[..., object], name: str) -> Path:
    """Write the cell that defined ``upgrade`` as ``versions/<revision>_<name>.py``.

    A file of the same revision is replaced, and compiled copies are dropped, so a
    cell run again is what Alembic loads next.
    """
    source = cell_source(upgrade)
    revision, _ = revision_of(source)
    versions = folder / "versions"
    for old in versions.glob(f"{revision}_*.py"):
        old.unlink()
    shutil.rmtree(versions / "__pycache__", ignore_errors=True)
    path = versions / f"{revision}_{name}.py"
    path.write_text(source, "utf-8")
    return path
