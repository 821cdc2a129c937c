# workspace: lending/models.py
# ruff: noqa: F821 (the idiom follows the reference answer)
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Member(Base):
    """A library member; the database keeps e-mail addresses unique."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("max_loans >= 1", name="max_loans_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    max_loans: Mapped[int] = mapped_column(default=5)

    loans: Mapped[list["Loan"]] = relationship(
        back_populates="member", lazy="raise", init=False, repr=False
    )


# An honest addition: builtins
values = [4, 1, 3]
print(sorted(values), max(values), min(values), sum(values), any(values), all(values))
print(list(zip(values, "abc", strict=True)), dict(enumerate(values)), reversed(values))
print(isinstance(values, list), type(values).__name__, len(values), repr(values), id(values) > 0)
