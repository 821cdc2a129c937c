# workspace: lending/services.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.repositories import DuplicateError
from lending.schemas import MemberCreate


async def register_member(uow: UnitOfWork, data: MemberCreate) -> Member:
    """A new, active member; e-mail addresses are unique whatever their case."""
    email = data.email.lower()
    async with uow:
        if await uow.members.get_by_email(email) is not None:
            raise EmailAlreadyRegistered(email)
        member = Member(name=data.name, email=email, max_loans=data.max_loans)
        try:
            await uow.members.add(member)
        except DuplicateError:  # registered concurrently since the lookup
            raise EmailAlreadyRegistered(email) from None
        await uow.commit()
        return member


# An honest addition: timing
import time
import timeit

began = time.perf_counter()
print(timeit.timeit("sum(range(100))", number=100) >= 0, time.perf_counter() >= began)
