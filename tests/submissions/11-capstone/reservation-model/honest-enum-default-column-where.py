# workspace: lending/models.py
# Another style: the WHERE as an expression, the enum as the default.
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column

from lending.models import Base
from lending.schemas import ReservationStatus

ACTIVE = column("status").in_(["waiting", "ready"])


class Reservation(Base):
    """A member's place in the queue for a book; ``status`` holds a ``ReservationStatus``."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'ready', 'fulfilled', 'cancelled')", name="status_known"
        ),
        CheckConstraint("ready_at IS NULL OR ready_at >= reserved_at", name="ready_not_before"),
        Index(
            "uq_reservations_active_member_book",
            "member_id",
            "book_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    reserved_at: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ReservationStatus.WAITING)
    ready_at: Mapped[date | None] = mapped_column(default=None)
    ### END SOLUTION
