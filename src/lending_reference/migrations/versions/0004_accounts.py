"""Accounts: who can log in, with which password hash and role (notebook 09).

A table of its own rather than columns on ``members``: loading a member never
loads a password hash, and a member without an account simply cannot log in.
Autogenerate writes this one nearly whole; what it misses is the check
constraint on ``role``, added by hand.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="member", nullable=False),
        sa.CheckConstraint("role IN ('member', 'librarian')", name="role_known"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("accounts")
