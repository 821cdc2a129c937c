# workspace: lending/models.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: active
# a new member has no default for active
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Member(Base):
    """A library member; the database keeps e-mail addresses unique."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("max_loans >= 1", name="max_loans_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    active: Mapped[bool] = mapped_column()
    max_loans: Mapped[int] = mapped_column(default=5)

    loans: Mapped[list["Loan"]] = relationship(
        back_populates="member", lazy="raise", init=False, repr=False
    )
