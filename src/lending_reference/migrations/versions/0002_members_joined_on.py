"""Members get the day they joined; members already on file, from their loans.

Autogenerate wrote the column (NOT NULL, the database's date as its default),
which would date every existing member *today*. Reviewed: the column comes in
nullable, a data migration fills it (the day of a member's first loan, returned
or not; the day the records began for a member without one), and only then
becomes NOT NULL with its default. The migration names its tables with
``sa.table`` instead of importing the models: it must keep working as the
models change after it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RECORDS_BEGAN = date(2026, 1, 1)
"""The day a member without any loan on record is taken to have joined."""

members = sa.table("members", sa.column("id", sa.Integer()), sa.column("joined_on", sa.Date()))
loans = sa.table("loans", sa.column("member_id", sa.Integer()), sa.column("borrowed_at", sa.Date()))


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("joined_on", sa.Date(), nullable=True))

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
