# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: two members take ada@example.org at once
# feedback: except DuplicateError
# trusts the lookup alone: a change that loses a race ends as DuplicateError (a 500)
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.schemas import MemberUpdate


async def update_member(uow: UnitOfWork, member_id: int, changes: MemberUpdate) -> Member:
    """The member with the fields the client sent changed, and only those."""
    async with uow:
        member = await _member(uow, member_id)
        values = changes.model_dump(exclude_unset=True)
        if "email" in values:
            values["email"] = values["email"].lower()
            other = await uow.members.get_by_email(values["email"])
            if other is not None and other.id != member_id:
                raise EmailAlreadyRegistered(values["email"])
        for field, value in values.items():
            setattr(member, field, value)
        await uow.commit()
        return member
