"""A loan is never returned before it was borrowed.

Autogenerate saw nothing to do: it does not compare check constraints, so this
revision is written by hand. The constraint's name follows the naming
convention (``ck_<table>_<name>``), on creation and on dropping alike, which is
what lets the downgrade drop it by name on every database.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch_op:
        batch_op.create_check_constraint(
            "returned_not_before_borrowed", "returned_at IS NULL OR returned_at >= borrowed_at"
        )


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch_op:
        # the convention names it again: "returned_not_before_borrowed" is dropped as
        # ck_loans_returned_not_before_borrowed (a full name would need batch_op.f(...))
        batch_op.drop_constraint("returned_not_before_borrowed", type_="check")
