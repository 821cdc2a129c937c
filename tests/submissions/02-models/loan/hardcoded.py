# workspace: lending/models.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Loan(Base):
    """Right on SQLite, for the visible examples: the index has no PostgreSQL condition
    (on PostgreSQL it would be a plain UNIQUE), and the foreign keys are not indexed."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("due_at > borrowed_at", name="due_after_borrowed"),
        # One open loan per member and book: the database refuses a double borrow.
        Index(
            "uq_loans_open_member_book",
            "member_id",
            "book_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    borrowed_at: Mapped[date]
    due_at: Mapped[date]
    returned_at: Mapped[date | None] = mapped_column(default=None)

    member: Mapped["Member"] = relationship(
        back_populates="loans", lazy="raise", init=False, repr=False
    )
    book: Mapped["Book"] = relationship(
        back_populates="loans", lazy="raise", init=False, repr=False
    )
