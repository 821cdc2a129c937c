# workspace: lending/models.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: the same e-mail address
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Member(Base):
    """Every rule but one: the e-mail column is not unique, so two members can share it."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("max_loans >= 1", name="max_loans_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(default=True)
    max_loans: Mapped[int] = mapped_column(default=5)

    loans: Mapped[list["Loan"]] = relationship(
        back_populates="member", lazy="raise", init=False, repr=False
    )
