"""Checks for notebook 08's test cells: a learner's revisions run on fresh databases.

Every failure is an :class:`~helpers.checks.ExerciseFailure` in words (the step
that failed, the database's own message, a hint); an unsolved revision's
``NotImplementedError`` passes through, so the cell says "not solved yet".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from helpers.checks import Described, ExerciseFailure, fail
from helpers.migrations import (
    RevisionCellError,
    cell_source,
    downgrade,
    read_schema,
    revision_of,
    scratch_folder,
    scratch_url,
    upgrade,
    write_revision,
)

BATCH_HINT = (
    "SQLite cannot ALTER a column or a constraint: put the change in "
    '`with op.batch_alter_table("<table>") as batch_op:` and call batch_op.<operation>.'
)


def checked_revision(
    folder: Path, upgrade_function: Callable[..., object], revision: str, down: str, name: str
) -> Path:
    """Write the cell that defined ``upgrade_function`` into ``folder`` as revision ``revision``."""
    try:
        found, found_down = revision_of(cell_source(upgrade_function))
    except (RevisionCellError, SyntaxError, AttributeError) as error:
        fail(
            f"`upgrade` is the function of revision {revision}'s cell",
            got=Described(f"another `upgrade` ({error})"),
            hint=f"A later cell defined or imported another `upgrade`: run the cell of revision "
            f"{revision} again, then this one.",
        )
    if found != revision:
        fail(
            f"`upgrade` is the one of revision {revision}'s cell",
            got=Described(f"the last cell that defined `upgrade` is revision {found!r}"),
            hint=f"Run the exercise's cell (revision = {revision!r}) again, then this one.",
        )
    if found_down != down:
        fail(
            f"revision {revision} follows {down}",
            expected=down,
            got=found_down,
            hint="`down_revision` names the revision this one applies on top of.",
        )
    return write_revision(folder, upgrade_function, name)


async def migrate(url: str, folder: Path, target: str, *, step: str, down: bool = False) -> None:
    """Upgrade (or downgrade) ``url`` to ``target``; a failure says which step and why."""
    try:
        if down:
            await downgrade(url, target, folder=folder, quiet=True)
        else:
            await upgrade(url, target, folder=folder, quiet=True)
    except ExerciseFailure:
        raise
    except NotImplementedError as error:
        if "SQLite" not in str(error):  # the unsolved exercise's `raise NotImplementedError()`
            raise
        fail(f"{step} works", got=Described(f"NotImplementedError: {error}"), hint=BATCH_HINT)
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else ""
        got = Described(f"{type(error).__name__}: {message}")
        fail(f"{step} works", got=got, hint=_hint(message))


def _hint(message: str) -> str:
    if "No such constraint" in message:
        return (
            "The naming convention is applied to the name you drop as well: drop the "
            "constraint by the short name you created it with (or batch_op.f(full name))."
        )
    if "ALTER" in message or "non-constant default" in message:
        return BATCH_HINT
    return "Read the database's message: it names the statement that failed."


async def execute(url: str, *statements: tuple[str, dict[str, Any]] | str) -> list[Any]:
    """Run SQL in one transaction (foreign keys on for SQLite); the last statement's rows."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    rows: list[Any] = []
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            for statement in statements:
                sql, parameters = statement if isinstance(statement, tuple) else (statement, {})
                result = await connection.execute(text(sql), parameters)
                rows = (
                    [tuple(_plain(value) for value in row) for row in result]
                    if (result.returns_rows)
                    else []
                )
    finally:
        await engine.dispose()
    return rows


def _plain(value: object) -> object:
    """Dates as ISO text, whichever driver read them."""
    return value.isoformat() if isinstance(value, date) else value


async def query(url: str, sql: str) -> list[Any]:
    return await execute(url, sql)


async def add_members(url: str, emails: Iterable[str]) -> None:
    """Members with these e-mails (ids from 1, in order), as notebook 02's table has them."""
    await execute(
        url,
        *(
            (
                "INSERT INTO members (name, email, active, max_loans) VALUES (:n, :e, true, 5)",
                {"n": email.split("@")[0].title(), "e": email},
            )
            for email in emails
        ),
    )


async def add_loans(url: str, loans: Sequence[tuple[int, str, str | None]]) -> None:
    """Loans ``(member_id, borrowed_at, returned_at)`` of one book (added if missing)."""
    statements: list[tuple[str, dict[str, Any]] | str] = []
    if not await query(url, "SELECT id FROM books"):
        statements += [
            "INSERT INTO authors (name) VALUES ('Ursula K. Le Guin')",
            "INSERT INTO books (title, isbn, year, copies_total, copies_available, author_id)"
            " VALUES ('A Wizard of Earthsea', '9780547773742', 1968, 9, 9, 1)",
        ]
    for member_id, borrowed, returned in loans:
        due = date.fromisoformat(borrowed).replace(year=date.fromisoformat(borrowed).year + 1)
        statements.append(
            (
                "INSERT INTO loans (member_id, book_id, borrowed_at, due_at, returned_at)"
                " VALUES (:m, 1, :b, :d, :r)",
                {"m": member_id, "b": borrowed, "d": due.isoformat(), "r": returned},
            )
        )
    await execute(url, *statements)


async def schema_at(folder: Path, revision: str) -> dict[str, Any]:
    """The schema a fresh database has at ``revision`` of the chain in ``folder``."""
    url = scratch_url("expected")
    if revision != "base":
        await upgrade(url, revision, folder=folder, quiet=True)
    return await read_schema(url)


async def expect_same_schema(url: str, reference: Path, revision: str, what: str) -> None:
    """``url``'s schema equals the reference chain's at ``revision``; else say where it differs."""
    expected = await schema_at(reference, revision)
    got = await read_schema(url)
    if got == expected:
        return
    extra, missing = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
    differences = [f"table {table}: there, where the reference has none" for table in extra]
    differences += [f"table {table}: missing" for table in missing]
    differences += [
        f"{table}.{part}: expected {expected[table].get(part)!r}, got {got[table].get(part)!r}"
        for table in sorted(set(expected) & set(got))
        for part in ("columns", "pk", "fks", "unique", "checks", "indexes")
        if expected[table].get(part) != got[table].get(part)
    ]
    fail(
        f"{what} is the reference's (read back by inspection)",
        got=Described("\n".join(differences[:4])),
        hint="Each table the reference has at this revision, and no other: a downgrade() "
        "drops what its upgrade() created (op.drop_table), and creates what it dropped."
        if extra or missing
        else "Compare each operation with the model: the column's type, NOT NULL, its "
        "default, the constraint's name.",
    )


async def loan_accepted(url: str, member_id: int, borrowed: str, returned: str | None) -> bool:
    """Whether the database accepts this loan of the first book (a constraint may refuse it)."""
    from sqlalchemy.exc import IntegrityError

    borrowed_on = date.fromisoformat(borrowed)
    due = borrowed_on.replace(year=borrowed_on.year + 1).isoformat()
    # one open loan per member and book: close the member's open loans before and after
    close = (
        "UPDATE loans SET returned_at = due_at WHERE member_id = :m AND returned_at IS NULL",
        {"m": member_id},
    )
    await execute(url, close)
    try:
        await execute(
            url,
            (
                "INSERT INTO loans (member_id, book_id, borrowed_at, due_at, returned_at)"
                " VALUES (:m, 1, :b, :d, :r)",
                {"m": member_id, "b": borrowed, "d": due, "r": returned},
            ),
        )
    except IntegrityError:
        return False
    await execute(url, close)
    return True


def mutant_folder(revisions: Sequence[str], revision: str, old: str, new: str) -> Path:
    """The reference chain ``revisions`` with ``old`` replaced by ``new`` in one revision."""
    folder = scratch_folder(*revisions)
    (path,) = (folder / "versions").glob(f"{revision}_*.py")
    source = path.read_text("utf-8")
    if source.count(old) != 1:
        raise ValueError(f"{old!r} is not in revision {revision} exactly once")
    path.write_text(source.replace(old, new), "utf-8")
    return folder
