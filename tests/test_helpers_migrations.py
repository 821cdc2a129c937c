"""helpers.migrations and helpers.migration_checks: notebook 08's plumbing and its checks.

The scratch chains' ``env.py`` imports ``lending.models``, so each test restores
notebook 08's checkpoint first (``restored``). Revision "cells" are files here:
a function's source is found the same way for a notebook cell and for a file.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import migrations
from helpers.checkpoint import restore
from helpers.checks import ExerciseFailure
from helpers.migration_checks import (
    add_loans,
    add_members,
    checked_revision,
    expect_same_schema,
    loan_accepted,
    migrate,
    mutant_folder,
    query,
)

pytestmark = pytest.mark.anyio

HEADER = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
"""


@pytest.fixture
def restored(clean_lending: None) -> Iterator[None]:
    restore("08-migrations")
    yield


def revision_cell(tmp_path: Path, body: str, header: str = HEADER) -> Callable[..., object]:
    """The ``upgrade`` of a file holding ``header`` and ``body``, as a cell would define it."""
    path = tmp_path / f"cell_{abs(hash(body))}.py"
    path.write_text(header + body, "utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    upgrade: Callable[..., object] = module.upgrade
    return upgrade


NULLABLE_COLUMN = """
def upgrade() -> None:
    op.add_column("members", sa.Column("nickname", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("nickname")
"""


async def test_a_revision_cell_runs_up_and_down_on_a_scratch_chain(
    restored: None, tmp_path: Path
) -> None:
    folder = migrations.scratch_folder("0001")
    path = checked_revision(folder, revision_cell(tmp_path, NULLABLE_COLUMN), "0002", "0001", "x")
    assert path.name == "0002_x.py" and path.read_text("utf-8").startswith(HEADER)

    url = migrations.scratch_url()
    await migrate(url, folder, "head", step="upgrading")
    columns = (await migrations.read_schema(url))["members"]["columns"]
    assert columns[-1] == ("nickname", "VARCHAR", True, False)
    await migrate(url, folder, "base", step="downgrading", down=True)
    assert await migrations.read_schema(url) == {}


def test_writing_a_revision_again_replaces_the_earlier_file(restored: None, tmp_path: Path) -> None:
    folder = migrations.scratch_folder("0001")
    migrations.write_revision(folder, revision_cell(tmp_path, NULLABLE_COLUMN), "first")
    migrations.write_revision(folder, revision_cell(tmp_path, NULLABLE_COLUMN + "\n"), "second")
    assert sorted(p.name for p in (folder / "versions").glob("*.py")) == [
        "0001_initial.py",
        "0002_second.py",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace('"0002"', '"0003"', 1), "the last cell that defined `upgrade`"),
        (HEADER.replace('down_revision = "0001"', 'down_revision = "0000"'), "'0000'"),
        ("from alembic import op\n", "another `upgrade`"),
    ],
)
def test_a_cell_of_another_revision_is_named_not_run(
    restored: None, tmp_path: Path, header: str, expected: str
) -> None:
    upgrade = revision_cell(tmp_path, NULLABLE_COLUMN, header)
    with pytest.raises(ExerciseFailure) as caught:
        checked_revision(migrations.scratch_folder("0001"), upgrade, "0002", "0001", "x")
    assert expected in caught.value.render()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # SQLite has no ALTER COLUMN
            NULLABLE_COLUMN.replace(
                'op.add_column("members", sa.Column("nickname", sa.String(20), nullable=True))',
                'op.alter_column("members", "name", type_=sa.String(200))',
            ),
            "batch_alter_table",
        ),
        (  # Alembic refuses constraint changes on SQLite outside batch mode
            NULLABLE_COLUMN.replace(
                'op.add_column("members", sa.Column("nickname", sa.String(20), nullable=True))',
                'op.create_check_constraint("short", "members", "length(name) < 50")',
            ),
            "batch_alter_table",
        ),
        (  # the naming convention applied twice
            NULLABLE_COLUMN.replace(
                'op.add_column("members", sa.Column("nickname", sa.String(20), nullable=True))',
                'with op.batch_alter_table("members") as batch_op:\n'
                '        batch_op.drop_constraint("ck_members_max_loans_positive", type_="check")',
            ),
            "short name you created it with",
        ),
    ],
)
async def test_a_failing_migration_says_which_step_and_how_to_fix_it(
    restored: None, tmp_path: Path, body: str, expected: str
) -> None:
    folder = migrations.scratch_folder("0001")
    checked_revision(folder, revision_cell(tmp_path, body), "0002", "0001", "x")
    url = migrations.scratch_url()
    with pytest.raises(ExerciseFailure) as caught:
        await migrate(url, folder, "head", step="upgrading to 0002")
    text = caught.value.render()
    assert "upgrading to 0002 works" in text and expected in text


async def test_an_unsolved_revision_stays_unsolved(restored: None, tmp_path: Path) -> None:
    stub = "def upgrade() -> None:\n    raise NotImplementedError()\n"
    folder = migrations.scratch_folder("0001")
    checked_revision(folder, revision_cell(tmp_path, stub), "0002", "0001", "x")
    with pytest.raises(NotImplementedError):
        await migrate(migrations.scratch_url(), folder, "head", step="upgrading")


async def test_rows_constraints_and_schema_differences_read_back(restored: None) -> None:
    folder = migrations.scratch_folder("0001", "0002", "0003")
    url = migrations.scratch_url()
    await migrations.upgrade(url, folder=folder, quiet=True)
    await add_members(url, ["ada@example.org"])
    await add_loans(url, [(1, "2025-03-04", None)])
    assert await query(url, "SELECT email, joined_on IS NOT NULL FROM members") == [
        ("ada@example.org", 1)
    ]
    assert await query(url, "SELECT borrowed_at, returned_at FROM loans") == [("2025-03-04", None)]
    assert await loan_accepted(url, 1, "2026-01-10", "2026-01-10")
    assert not await loan_accepted(url, 1, "2026-01-10", "2026-01-09")
    assert await loan_accepted(url, 1, "2026-02-01", None)  # open: closed again after
    assert await loan_accepted(url, 1, "2026-02-02", None)

    await expect_same_schema(url, folder, "0003", "the schema at head")
    with pytest.raises(ExerciseFailure) as caught:
        await expect_same_schema(url, folder, "0002", "the schema at 0002")
    assert "loans.checks" in caught.value.render()


def test_a_mutant_changes_exactly_one_revision(restored: None) -> None:
    folder = mutant_folder(("0001", "0002"), "0002", 'batch_op.drop_column("joined_on")', "pass")
    (path,) = (folder / "versions").glob("0002_*.py")
    assert 'batch_op.drop_column("joined_on")' not in path.read_text("utf-8")
    with pytest.raises(ValueError, match="exactly once"):
        mutant_folder(("0001",), "0001", "no such text", "pass")


def test_the_learners_folder_is_in_the_workspace_unless_grading(
    restored: None, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = migrations.learners_folder()
    assert folder == workspace / "lending" / "migrations"
    env: Any = (folder / "env.py").read_text("utf-8")
    assert "from lending.models import Base" in env and "lending_reference" not in env
    assert (folder / "alembic.ini").is_file() and (folder / "versions").is_dir()

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert workspace not in migrations.learners_folder().parents
