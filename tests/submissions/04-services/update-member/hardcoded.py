# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.repositories import DuplicateError
from lending.schemas import MemberUpdate


async def update_member(uow: UnitOfWork, member_id: int, changes: MemberUpdate) -> Member:
    """Refuses any address that is already stored, the member's own included: a member
    who sends their own address back is told it belongs to someone else."""
    async with uow:
        member = await _member(uow, member_id)
        values = changes.model_dump(exclude_unset=True)
        if "email" in values:
            values["email"] = values["email"].lower()
            if await uow.members.get_by_email(values["email"]) is not None:
                raise EmailAlreadyRegistered(values["email"])
        for field, value in values.items():
            setattr(member, field, value)
        try:
            await uow.commit()
        except DuplicateError:
            raise EmailAlreadyRegistered(values["email"]) from None
        return member
