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
from collections.abc import Callable
from threading import get_ident  # these two bound now: an answer patching their modules
from time import perf_counter  # cannot reach the hook

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


RELEVANT = ALWAYS | FROM_UNTRUSTED | {"compile", "open"}  # and every "ctypes." event


class Policy:
    """What the hook decides by, and what it has cost; ``trusted_file`` says which code
    is trusted. The decisions are made by the hook :func:`install` registers."""

    def __init__(self, trusted_file: Callable[[object], bool]) -> None:
        self.trusted_file = trusted_file
        self.sealed = False
        self.deciding = 0.0  # seconds spent on relevant events since sealed
        self.passed = 0  # irrelevant events let through since sealed (see ``seconds``)
        self.pass_cost = 0.0  # seconds one irrelevant event costs the hook (measured once)
        self.busy: set[int] = set()  # threads (get_ident) looking up an event's caller

    @property
    def seconds(self) -> float:
        """What the hook cost the notebook since sealed: the decisions as timed, and the
        events it let straight through as counted, at their measured cost each (timing
        each of those would cost more than letting it through)."""
        return self.deciding + self.passed * self.pass_cost

    def reset(self) -> None:
        self.deciding, self.passed = 0.0, 0


def install(policy: Policy) -> None:
    """Register the hook deciding by ``policy`` (cannot be undone).

    Most events (``builtins.id``, ``exec``, ``import``, ...) concern no rule
    and some code raises hundreds of thousands of them (SQLAlchemy's ``id()``,
    pytest's tracebacks): the hook lets those through before any other work,
    and keeps the rest to local names and one function.
    """
    relevant, busy, trusted, memory = RELEVANT, policy.busy, policy.trusted_file, _PROC_MEMORY

    def hook(event: str, args: tuple[object, ...]) -> None:
        if not (event in relevant or event[:7] == "ctypes."):
            if policy.sealed:
                policy.passed += 1
            return
        me = get_ident()
        if not policy.sealed or me in busy:  # busy: this hook's own lookup of a caller
            return
        began = perf_counter()
        try:
            if event in ALWAYS or event[:7] == "ctypes.":
                raise PermissionError(f"blocked by the course grader: {event}")
            if event == "compile":
                ask = len(args) > 1 and trusted(args[1])
            elif event == "open":
                path = args[0] if args else None
                ask = isinstance(path, str) and memory.match(path) is not None
            else:
                ask = True  # FROM_UNTRUSTED
            if not ask:
                return
            busy.add(me)
            try:
                try:
                    filename = sys._getframe(1).f_code.co_filename  # the event's raiser
                except ValueError:
                    return
            finally:
                busy.discard(me)
            if not trusted(filename):
                raise PermissionError(f"blocked by the course grader: {event} from {filename}")
        finally:
            policy.deciding += perf_counter() - began

    sys.addaudithook(hook)
    policy.pass_cost = _pass_cost(hook, policy)


def _pass_cost(hook: Callable[[str, tuple[object, ...]], None], policy: Policy) -> float:
    """Seconds one irrelevant event costs the hook, counting it (before any cell runs)."""
    calls = 2000
    policy.sealed = True
    began = perf_counter()
    for _ in range(calls):
        hook("coursetools.measure", ())
    cost = (perf_counter() - began) / calls
    policy.sealed, policy.passed = False, 0
    return cost
