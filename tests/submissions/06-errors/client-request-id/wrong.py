# workspace: lending/problems.py

import re


def client_request_id(value: str | None) -> str | None:
    """The client's request id if it is safe to reuse, else `None` (then a new one is made)."""
    return value if value is not None and SAFE_REQUEST_ID.fullmatch(value) else None


SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,}")  # no upper bound
