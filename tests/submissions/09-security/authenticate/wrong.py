# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from argon2 import PasswordHasher


async def authenticate(
    repository: AccountRepository, hasher: PasswordHasher, email: str, password: str
) -> Account:
    """The account these credentials belong to, its hash renewed if stale; else the 401."""
    account = await repository.get_by_email(email.strip().lower())
    if account is None:  # returns early: no hash, so an unknown address answers faster
        raise login_failed()
    verified = verify_password(hasher, account.password_hash, password)
    if not verified.ok:
        raise login_failed()
    if verified.new_hash is not None:
        await repository.set_password_hash(account.member_id, verified.new_hash)
    return account
