# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: the registration was committed
# feedback: flushed but never committed (a new Member)
# feedback: Commit inside `async with uow:`
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.repositories import DuplicateError
from lending.schemas import MemberCreate


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """Takes the id that `add` gave the member (its flush) for proof that it is saved,
    and never commits: the unit of work's end rolls the member back."""
    email = data.email.lower()
    async with uow:
        if await uow.members.get_by_email(email) is not None:
            raise EmailAlreadyRegistered(email)
        member = Member(name=data.name, email=email, max_loans=data.max_loans)
        try:
            await uow.members.add(member)
        except DuplicateError:  # registered concurrently since the lookup
            raise EmailAlreadyRegistered(email) from None
        return member
