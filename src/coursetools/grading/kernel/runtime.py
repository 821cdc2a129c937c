"""What instrumented test cells call: a completion marker and rig-proof comparisons.

:func:`install` puts these functions into ``builtins`` under ``__grader_*__``
names (student code rebinding them is detected by the guard). They change the
result of a comparison only when an object defined outside the trusted code
claims to be equal to *anything* (an ``__eq__`` that always answers ``True``),
or lies about its class through ``__class__``; honest objects compare exactly
as they would without them.
"""

from __future__ import annotations

import builtins
import functools
import sys
from collections.abc import Callable
from typing import Any

DONE = "__grader_done__"
COMPARE = "__grader_compare__"
ISINSTANCE = "__grader_isinstance__"
BUILTIN = "__grader_builtin__"
NAMES = (DONE, COMPARE, ISINSTANCE, BUILTIN)

_CONTAINERS = (list, tuple, set, frozenset, dict)
_WALK_BUDGET = 10_000


class _Probe:
    """A fresh object no honest ``__eq__`` can consider equal to anything else."""

    __slots__ = ()


class Marker:
    """Records that a test cell reached its last statement, for one secret token.

    The token lives in closures rather than attributes, out of reach of
    attribute access from student code.
    """

    def __init__(self) -> None:
        state: dict[str, object] = {"expected": None, "seen": False}

        def arm(token: str) -> None:
            state["expected"], state["seen"] = token, False

        def disarm(token: str) -> bool:
            seen = state["seen"] is True and state["expected"] == token
            state["expected"], state["seen"] = None, False
            return seen

        def done(token: object, value: object = None) -> object:
            if isinstance(token, str) and token == state["expected"]:
                state["seen"] = True
            return value

        self.arm: Callable[[str], None] = arm
        self.disarm: Callable[[str], bool] = disarm
        self.done: Callable[..., object] = done


class Runtime:
    """Trust decisions about types, relative to the trusted file prefixes."""

    def __init__(self, trusted_prefixes: tuple[str, ...]) -> None:
        self.trusted_prefixes = trusted_prefixes

    def trusted_file(self, filename: object) -> bool:
        return isinstance(filename, str) and (
            filename.startswith(self.trusted_prefixes) or filename.startswith("<frozen ")
        )

    def untrusted_type(self, cls: type) -> bool:
        """Whether any class of ``cls``'s MRO was defined outside trusted files."""
        for klass in getattr(cls, "__mro__", (cls,)):
            if klass is object or klass.__module__ == "builtins":
                continue
            module = sys.modules.get(klass.__module__)
            if klass.__module__ == "__main__" or module is None:
                return True
            if not self.trusted_file(getattr(module, "__file__", None)):
                return True
        return False

    def rigged(self, value: object) -> bool:
        """An untrusted object that claims to equal a fresh, unrelated object."""
        if not self.untrusted_type(type(value)):
            return False
        try:
            answer = value == _Probe()
        except Exception:
            return False
        return answer is not False and answer is not NotImplemented

    def contains_rigged(self, value: object) -> bool:
        """:meth:`rigged` for ``value`` or anything inside its built-in containers."""
        stack: list[Any] = [value]
        seen: set[int] = set()
        budget = _WALK_BUDGET
        while stack and budget > 0:
            item = stack.pop()
            budget -= 1
            if type(item) in _CONTAINERS:
                if id(item) in seen:
                    continue
                seen.add(id(item))
                if type(item) is dict:
                    stack.extend(item.keys())
                    stack.extend(item.values())
                else:
                    stack.extend(item)
            elif self.rigged(item):
                return True
        return False

    def compare(self, op: str, left: Any, right: Any) -> Any:
        """``left <op> right`` for ``==``, ``!=``, ``in``, ``not in``, rig-proof."""
        if op == "==":
            result = left == right
            if result is False:
                return result
            return False if self._rigged_pair(left, right) else result
        if op == "!=":
            result = left != right
            if result is True:
                return result
            return True if self._rigged_pair(left, right) else result
        if op == "in":
            result = left in right
            if result is False:
                return result
            return False if self._rigged_membership(left, right) else result
        if op == "not in":
            result = left not in right
            if result is True:
                return result
            return True if self._rigged_membership(left, right) else result
        raise ValueError(f"unsupported comparison {op!r}")

    def _rigged_pair(self, left: object, right: object) -> bool:
        return self.contains_rigged(left) or self.contains_rigged(right)

    def _rigged_membership(self, item: object, container: object) -> bool:
        if self.contains_rigged(item) or self.contains_rigged(container):
            return True
        if not self.untrusted_type(type(container)):
            return False
        try:
            # ``container`` is any object here: an untrusted type may define ``__contains__``.
            return (_Probe() in container) is True  # type: ignore[operator]
        except Exception:
            return False

    def isinstance_(self, value: object, classes: Any) -> bool:
        """``isinstance`` that an object lying through ``__class__`` cannot fool."""
        result = isinstance(value, classes)
        if result and type(value) is not getattr(value, "__class__", type(value)):
            return issubclass(type(value), classes)
        return result


def install(runtime: Runtime, marker: Marker) -> dict[str, Callable[..., Any]]:
    """Put the instrumentation functions into ``builtins``; returns them by name."""
    functions: dict[str, Callable[..., Any]] = {
        DONE: marker.done,
        COMPARE: runtime.compare,
        ISINSTANCE: runtime.isinstance_,
        BUILTIN: functools.partial(getattr, builtins),
    }
    for name, function in functions.items():
        setattr(builtins, name, function)
    return functions
