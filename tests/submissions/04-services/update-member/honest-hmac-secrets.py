# workspace: lending/services.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from lending.errors import EmailAlreadyRegistered
from lending.models import Member
from lending.repositories import DuplicateError
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
        try:
            await uow.commit()
        except DuplicateError:
            raise EmailAlreadyRegistered(values["email"]) from None
        return member


# An honest addition: hmac-secrets
import hmac
import secrets

token = secrets.token_hex(8)
print(hmac.compare_digest(token, token), secrets.compare_digest("a", "a"))
