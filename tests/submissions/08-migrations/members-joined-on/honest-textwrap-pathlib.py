# ruff: noqa: E402 (the idiom follows the reference answer)
"""Members get the day they joined; members already on file, from their first loan."""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

RECORDS_BEGAN = date(2026, 1, 1)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("joined_on", sa.Date(), nullable=True))

    members = sa.table("members", sa.column("id"), sa.column("joined_on", sa.Date()))
    loans = sa.table("loans", sa.column("member_id"), sa.column("borrowed_at", sa.Date()))
    first_loan = (
        sa.select(sa.func.min(loans.c.borrowed_at))
        .where(loans.c.member_id == members.c.id)
        .scalar_subquery()
    )
    op.execute(
        members.update().values(
            joined_on=sa.func.coalesce(first_loan, sa.literal(RECORDS_BEGAN, sa.Date()))
        )
    )

    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column(
            "joined_on",
            existing_type=sa.Date(),
            nullable=False,
            server_default=sa.func.current_date(),
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("joined_on")


# An honest addition: textwrap-pathlib
import textwrap
from pathlib import PurePosixPath

note = textwrap.dedent("""\
    upgrade, downgrade, upgrade again
""")
print(note.strip(), PurePosixPath("versions") / "0002.py")
