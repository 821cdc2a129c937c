# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: exclude_unset=True
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.schemas import MemberUpdate


async def update_member(uow: UnitOfWork, member_id: int, changes: MemberUpdate) -> Member:
    """Applies `model_dump()`, not `model_dump(exclude_unset=True)`: every field the
    client left out is overwritten with None."""
    async with uow:
        member = await _member(uow, member_id)
        values = changes.model_dump()
        if values["email"] is not None:
            values["email"] = values["email"].lower()
            other = await uow.members.get_by_email(values["email"])
            if other is not None and other.id != member_id:
                raise EmailAlreadyRegistered(values["email"])
        for field, value in values.items():
            setattr(member, field, value)
        await uow.commit()
        return member
