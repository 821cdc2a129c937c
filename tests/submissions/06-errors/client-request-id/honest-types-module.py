# workspace: lending/problems.py
# ruff: noqa: E402 (the idiom follows the reference answer)
import re


def client_request_id(value: str | None) -> str | None:
    """The client's request id if it is safe to reuse, else `None` (then a new one is made)."""
    return value if value is not None and SAFE_REQUEST_ID.fullmatch(value) else None


SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


# An honest addition: types-module
import types

namespace = types.SimpleNamespace(a=1)
frozen = types.MappingProxyType({"a": 1})
print(namespace.a, frozen["a"], isinstance(print, types.BuiltinFunctionType))
