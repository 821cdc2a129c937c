# workspace: lending/security.py
# ruff: noqa: E402, F821 (the idiom follows the reference answer)
from contextlib import suppress

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def verify_password(hasher: PasswordHasher, stored: str | None, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; ``stored=None`` (no such account) never does."""
    if stored is None:
        with suppress(VerificationError):
            hasher.verify(dummy_hash(hasher), password)
        return Verified(ok=False)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    return Verified(
        ok=True, new_hash=hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    )


# An honest addition: hash-hmac
import hashlib
import hmac

hash = hashlib.sha256(b"not a password").hexdigest()
print(len(hash), hmac.compare_digest(hash, hash))
