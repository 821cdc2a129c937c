"""An audit hook that denies student code the low-level escape hatches.

Audit hooks cannot be removed from Python, so this policy holds for the life of
the kernel once :func:`install` has run (before any cell). After :func:`seal`:

- denied to everyone: adding audit hooks, ``sys.settrace``/``setprofile``,
  every ``ctypes`` operation (no honest notebook of the course needs them once
  the kernel runs, and they would let code rewrite the interpreter);
- denied when the code that triggered the event is not trusted (not a file of
  the read-only Python installation or course packages, i.e. a notebook cell,
  ``exec``'d text or a file in the work folder): frame and garbage-collector
  introspection, reading or replacing function code, building code objects,
  reassigning ``__class__``, compiling code under a trusted file name, and
  opening another process's (or its own) memory through ``/proc``.

A denial raises :class:`PermissionError` in the code that tried.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from time import perf_counter  # bound now: an answer patching time cannot reach the hook

ALWAYS = frozenset({"sys.addaudithook", "sys.settrace", "sys.setprofile"})
FROM_UNTRUSTED = frozenset(
    {
        "sys._getframe",
        "sys._current_frames",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "object.__getattr__",
        "object.__setattr__",
        "object.__delattr__",
        "code.__new__",
        "function.__new__",
    }
)
_PROC_MEMORY = re.compile(r"^/proc/[^/]+/(task/[^/]+/)?(mem|pagemap|environ|maps|smaps|syscall)$")


class Policy:
    """The decision for one audit event; ``trusted_file`` says which code is trusted."""

    def __init__(self, trusted_file: Callable[[object], bool]) -> None:
        self.trusted_file = trusted_file
        self.sealed = False
        self.seconds = 0.0  # spent deciding since sealed (what the hook costs the notebook)
        self._busy = threading.local()

    def __call__(self, event: str, args: tuple[object, ...]) -> None:
        if not self.sealed:
            return
        began = perf_counter()
        try:
            if event in ALWAYS or event.startswith("ctypes."):
                raise PermissionError(f"blocked by the course grader: {event}")
            if event in FROM_UNTRUSTED:
                self._deny_untrusted(event)
            elif event == "compile":
                if len(args) > 1 and self.trusted_file(args[1]):
                    self._deny_untrusted(event)
            elif event == "open":
                path = args[0] if args else None
                if isinstance(path, str) and _PROC_MEMORY.match(path):
                    self._deny_untrusted(event)
        finally:
            self.seconds += perf_counter() - began

    def _deny_untrusted(self, event: str) -> None:
        if getattr(self._busy, "flag", False):
            return
        self._busy.flag = True
        try:
            try:
                caller = sys._getframe(2)
            except ValueError:
                return
            filename = caller.f_code.co_filename
        finally:
            self._busy.flag = False
        if not self.trusted_file(filename):
            raise PermissionError(f"blocked by the course grader: {event} from {filename}")


def install(policy: Policy) -> None:
    """Register ``policy`` as an audit hook (cannot be undone)."""
    sys.addaudithook(policy)
