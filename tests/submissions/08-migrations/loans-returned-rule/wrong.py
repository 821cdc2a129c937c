"""A loan is never returned before it was borrowed: dropped by its full name."""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch_op:
        batch_op.create_check_constraint(
            "returned_not_before_borrowed", "returned_at IS NULL OR returned_at >= borrowed_at"
        )


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch_op:
        batch_op.drop_constraint("ck_loans_returned_not_before_borrowed", type_="check")
