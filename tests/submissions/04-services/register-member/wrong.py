# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: EmailAlreadyRegistered
from lending.models import Member
from lending.schemas import MemberCreate


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """Trusts the database alone and never translates its refusal: a taken address
    surfaces as the repository's DuplicateError, not as EmailAlreadyRegistered."""
    async with uow:
        member = Member(name=data.name, email=data.email.lower(), max_loans=data.max_loans)
        await uow.members.add(member)
        await uow.commit()
        return member
