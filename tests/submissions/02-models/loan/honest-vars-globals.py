# workspace: lending/models.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Loan(Base):
    """One member borrowing one book; open until `returned_at` is set."""

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
            postgresql_where=text("returned_at IS NULL"),
        ),
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


# An honest addition: vars-globals
from types import SimpleNamespace

point = SimpleNamespace(x=1, y=2)
print(vars(point), "point" in globals(), sorted(dir(point))[-2:])
