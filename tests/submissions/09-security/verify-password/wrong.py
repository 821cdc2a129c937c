# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def verify_password(hasher: PasswordHasher, stored: str | None, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; ``stored=None`` (no such account) never does."""
    if stored is None:  # no account: answer at once (and the timing tells)
        return Verified(ok=False)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    return Verified(
        ok=True, new_hash=hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    )
