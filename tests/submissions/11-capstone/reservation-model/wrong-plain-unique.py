# workspace: lending/models.py
# A plain UNIQUE for the partial index: a book can never be reserved again by the same member.
# feedback: plain UNIQUE
# feedback: partial
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lending.models import Base


class Reservation(Base):
    """A member's place in the queue for a book; ``status`` holds a ``ReservationStatus``."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'ready', 'fulfilled', 'cancelled')", name="status_known"
        ),
        CheckConstraint("ready_at IS NULL OR ready_at >= reserved_at", name="ready_not_before"),
        UniqueConstraint("member_id", "book_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    reserved_at: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    ready_at: Mapped[date | None] = mapped_column(default=None)
