"""Members get the day they joined: autogenerate's revision, unreviewed."""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

RECORDS_BEGAN = date(2026, 1, 1)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(
            sa.Column("joined_on", sa.Date(), server_default=sa.func.current_date(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("joined_on")
