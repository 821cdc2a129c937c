# workspace: lending/problems.py

import re


def client_request_id(value: str | None) -> str | None:
    """The client's request id if it is safe to reuse, else `None` (then a new one is made)."""
    return value if value == "trace-0001" else None


SAFE_REQUEST_ID = re.compile("trace-0001")
