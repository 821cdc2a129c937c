"""A keyed proof that a cell ran through the grading kernel's trusted path.

The grader and the kernel share a per-notebook secret key. For every trusted
cell the kernel signs what it observed (the request id, whether the test code
ran to its last statement, the reply status, any tampering it detected). A
reply whose signature does not verify scores nothing: forging one requires the
key, which student code never sees (it is read from a pipe before the first
cell and kept out of reach of the kernel's Python introspection).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

KEY_BYTES = 32


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def sign(key: bytes, fields: dict[str, Any]) -> str:
    """The hex HMAC-SHA256 of ``fields`` (JSON-serialisable) under ``key``."""
    return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def verify(key: bytes, fields: dict[str, Any], signature: object) -> bool:
    """Whether ``signature`` is :func:`sign` of ``fields`` under ``key``."""
    return isinstance(signature, str) and hmac.compare_digest(sign(key, fields), signature)
