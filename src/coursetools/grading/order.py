"""The order notebooks are handed to workers: the slow-looking ones first.

A notebook whose answer can only end by a time-out or by ending its kernel (a
top-level loop with no ``break``, ``os._exit``, ``sys.exit``) costs a cell's
whole limit and a second run; started last, it runs alone while the other
workers idle. Started first, it overlaps the rest of the class. Only the
order changes: every notebook is graded as before.
"""

from __future__ import annotations

import ast

from coursetools.grading.jobs import ANSWER, ExecJob
from coursetools.grading.screen import parse

#: Calls that end the kernel, by (owner, name): a bare ``exit()``, or ``os``'s and ``sys``'s.
#: A method of the same name on anything else (``process.kill()``, a server stopped by an
#: honest answer) ends nothing of the kernel's.
_ENDINGS = {
    ("", "exit"),
    ("", "quit"),
    ("os", "_exit"),
    ("os", "abort"),
    ("os", "kill"),
    ("sys", "exit"),
}


def _endless(loop: ast.While) -> bool:
    test = loop.test
    forever = isinstance(test, ast.Constant) and bool(test.value)
    return forever and not any(isinstance(node, ast.Break) for node in ast.walk(loop))


def _ends_kernel(node: ast.stmt) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return (owner, func.attr) in _ENDINGS
    return isinstance(func, ast.Name) and ("", func.id) in _ENDINGS


SPINS, EXITS = "spins", "exits"


def how_it_ends(source: str) -> str | None:
    """:data:`SPINS` if ``source`` runs, at its top level, a loop that can end only by an
    error (``while True`` with no ``break``: in practice, at its time-out); :data:`EXITS`
    if it calls something that ends the kernel; None otherwise."""
    try:
        body = parse(source).body
    except (SyntaxError, ValueError):
        return None
    if any(isinstance(s, ast.While) and _endless(s) for s in body):
        return SPINS
    return EXITS if any(_ends_kernel(s) for s in body) else None


def cannot_end(source: str) -> bool:
    """Whether ``source`` runs, at its top level, a loop that cannot end or a call that
    ends the kernel. Such a cell gets no allowance for a busy machine either: it
    would time out however fast the machine."""
    return how_it_ends(source) is not None


def looks_slow(job: ExecJob) -> bool:
    """Whether an answer of ``job`` :func:`cannot_end`."""
    return any(cell.role == ANSWER and cannot_end(cell.source) for cell in job.cells)


def slow_first(jobs: list[ExecJob]) -> list[ExecJob]:
    """``jobs`` with the slow-looking ones first, each group in its given order."""
    return sorted(jobs, key=lambda job: not looks_slow(job))
