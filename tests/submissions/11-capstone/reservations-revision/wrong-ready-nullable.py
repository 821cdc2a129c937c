# ready_at NOT NULL: a waiting reservation cannot be stored.
# feedback: reservations.columns
"""Reservations: a member's place in the queue for a book with no copy left."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

ACTIVE = sa.text("status IN ('waiting', 'ready')")


def upgrade() -> None:
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ready_at", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'ready', 'fulfilled', 'cancelled')",
            name=op.f("ck_reservations_status_known"),
        ),
        sa.CheckConstraint(
            "ready_at IS NULL OR ready_at >= reserved_at",
            name=op.f("ck_reservations_ready_not_before"),
        ),
        sa.ForeignKeyConstraint(
            ["book_id"], ["books.id"], name=op.f("fk_reservations_book_id_books")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_reservations_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(op.f("ix_reservations_book_id"), "reservations", ["book_id"])
    op.create_index(op.f("ix_reservations_member_id"), "reservations", ["member_id"])
    op.create_index(
        "uq_reservations_active_member_book",
        "reservations",
        ["member_id", "book_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_table("reservations")
    ### END SOLUTION
