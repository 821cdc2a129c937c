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
        raise forbidden()  # 403: the wrong status, and no WWW-Authenticate header
    member_id = decode_token(token, config)
    async with session_factory() as session:
        account = await AccountRepository(session).get(member_id)
    if account is None:
        raise not_authenticated()
    return Principal(account.member_id, account.role)


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_librarian(user: CurrentUser) -> Principal:
    """The caller, if a librarian; 403 for anyone else (section 5)."""
    if not user.is_librarian:
        raise forbidden()
    return user
