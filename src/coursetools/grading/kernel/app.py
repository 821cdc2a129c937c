"""The grading kernel: ipykernel's IPython kernel with a trusted path for trusted cells.

The grader sends every code cell with ``metadata.grader.role``:

- ``answer``: the student's code, run exactly as ipykernel runs any cell;
- ``trusted``: a cell of the source notebook (setup, worked example);
- ``graded``: a test cell worth points.

A trusted or graded cell runs only after :class:`~.guard.Guard` has restored
the grading environment, with the test's own syntax tree (parsed by the grader
from the trusted source and instrumented by :mod:`.instrument`), without
yielding to other tasks until it is compiled. The reply carries what the
kernel observed, signed with the notebook's key (:mod:`coursetools.grading.proof`).

:func:`boot` must run before anything else in the process: it reads the key,
installs the audit hook and the instrumentation functions.
"""

from __future__ import annotations

import ast
import linecache
import os
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

from ipykernel.ipkernel import IPythonKernel

from coursetools.grading import proof
from coursetools.grading.kernel import audit, runtime
from coursetools.grading.kernel.guard import Guard
from coursetools.grading.kernel.instrument import PreparedTree, instrument

KEY_FD_ENV = "GRADER_KEY_FD"
TRUSTED_ENV = "GRADER_TRUSTED_PATHS"
_HOLD_THREADS = 1000.0  # seconds: no forced thread switch while a test is prepared


def _read_key() -> bytes:
    fd = int(os.environ.pop(KEY_FD_ENV, "-1"))
    if fd < 0:
        return secrets.token_bytes(proof.KEY_BYTES)  # unsigned use (tests, manual runs)
    chunks = []
    while chunk := os.read(fd, 256):
        chunks.append(chunk)
    os.close(fd)
    return bytes.fromhex(b"".join(chunks).decode())


def _cell_file_test() -> Callable[[object], bool]:
    """Whether a code file name is a notebook cell's or in the work folder."""
    from ipykernel.compiler import get_tmp_directory

    prefixes = (get_tmp_directory() + os.sep, os.getcwd().rstrip("/") + "/", "<ipython-input")
    return lambda filename: isinstance(filename, str) and filename.startswith(prefixes)


def boot(key: bytes | None = None) -> type[IPythonKernel]:
    """Install the audit hook and instrumentation builtins; return the kernel class.

    ``key`` is the notebook's proof key; without it, it is read from the pipe
    named by ``$GRADER_KEY_FD`` (a kernel started as a program). The key, the
    completion marker and the guard live only in the returned class's closures.
    """
    prefixes = tuple(
        path.rstrip("/") + "/" for path in os.environ.pop(TRUSTED_ENV, "").split(os.pathsep) if path
    )
    rt = runtime.Runtime(prefixes)
    marker = runtime.Marker()
    policy = audit.Policy(rt.trusted_file)
    audit.install(policy)
    runtime.install(rt, marker)
    return _kernel_class(key if key is not None else _read_key(), policy, marker)


def _kernel_class(key: bytes, policy: audit.Policy, marker: runtime.Marker) -> type[IPythonKernel]:
    guards: list[Guard] = []
    sealing: list[float] = []  # seconds the seal took, until a trusted reply reports them

    def sealed(shell: Any) -> Guard:
        if not guards:
            began = time.perf_counter()
            guard = Guard(shell, _cell_file_test())
            guard.seal()
            policy.sealed = True
            guards.append(guard)
            sealing.append(time.perf_counter() - began)
        return guards[0]

    class GraderKernel(IPythonKernel):
        """An IPython kernel that runs trusted cells through the grader's trusted path."""

        implementation = "coursetools-grader"

        async def do_execute(
            self,
            code: str,
            silent: bool,
            store_history: bool = True,
            user_expressions: dict[str, Any] | None = None,
            allow_stdin: bool = False,
            *,
            cell_meta: dict[str, Any] | None = None,
            cell_id: str | None = None,
        ) -> dict[str, Any]:
            guard = sealed(self.shell)
            grader = (cell_meta or {}).get("grader") or {}
            role = grader.get("role")
            if role not in ("trusted", "graded"):
                guard.before_answer()
                # ipykernel's methods carry no annotations (here and get_parent below).
                reply: dict[str, Any] = await super().do_execute(  # type: ignore[no-untyped-call]
                    code,
                    silent,
                    store_history,
                    user_expressions,
                    allow_stdin,
                    cell_meta=cell_meta,
                    cell_id=cell_id,
                )
                return reply
            graded = role == "graded"
            reply = await _run_trusted(self.shell, guard, marker, code, graded, cell_id)
            if grader.get("visible") is not None:
                _scrub(self.shell, code, grader["visible"])
            parent = self.get_parent("shell") or {}  # type: ignore[no-untyped-call]
            fields = {
                "msg_id": (parent.get("header") or {}).get("msg_id"),
                "role": role,
                "completed": reply.pop("_completed"),
                "status": reply["status"],
                "violations": reply.pop("_violations"),
            }
            notes = reply.pop("_notes")
            guarding = reply.pop("_guard_seconds") + sum(sealing)
            sealing.clear()
            auditing = policy.seconds
            policy.reset()
            reply["grader"] = {
                **fields,
                "notes": notes,
                "guard_seconds": guarding,
                "audit_seconds": auditing,
                "proof": proof.sign(key, fields),
            }
            return reply

    return GraderKernel


async def _run_trusted(
    shell: Any, guard: Guard, marker: runtime.Marker, code: str, graded: bool, cell_id: str | None
) -> dict[str, Any]:
    """Restore, prepare the test's own tree, run it; the reply with what was observed."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(_HOLD_THREADS)
    token = secrets.token_hex(16)
    tree: ast.Module | None = None
    violations: list[str] = []
    began = time.perf_counter()
    try:
        notes = guard.before_trusted(graded)
        transforming = time.perf_counter()
        try:
            transformed, failed = shell.transform_cell(code), None
        except Exception:
            transformed, failed = code, sys.exc_info()
        # Running the cell, not guarding it: ipykernel transforms every cell first too.
        began += time.perf_counter() - transforming
        if graded and failed is None:
            try:
                tree = ast.parse(transformed)
            except SyntaxError:
                tree = None
        if tree is not None:
            marker.arm(token)
            prepared = instrument(ast.parse(transformed), token, frozenset(guard.shadowed(tree)))
            shell.ast_transformers.append(PreparedTree(prepared, shell.ast_transformers, previous))
        else:
            sys.setswitchinterval(previous)  # nothing to protect while this cell compiles
        guarding = time.perf_counter() - began
        reply = await _run_cell(shell, code, transformed, failed, cell_id)
    finally:
        sys.setswitchinterval(previous)
    began = time.perf_counter()
    completed = marker.disarm(token) if graded else None
    if graded:
        violations += guard.after_graded(
            tree or ast.Module(body=[], type_ignores=[]), completed is True
        )
    guard.after_trusted(graded)
    guarding += time.perf_counter() - began
    reply.update(
        _completed=completed,
        _violations=list(dict.fromkeys(violations)),
        _notes=notes,
        _guard_seconds=guarding,
    )
    return reply


async def _run_cell(
    shell: Any, code: str, transformed: str, failed: Any, cell_id: str | None
) -> dict[str, Any]:
    """Run like ipykernel's ``do_execute``, but never yield before compiling."""
    if shell.should_run_async(code, transformed_cell=transformed, preprocessing_exc_tuple=failed):
        result = None
        try:
            result = await shell.run_cell_async(
                code,
                store_history=True,
                silent=False,
                transformed_cell=transformed,
                preprocessing_exc_tuple=failed,
                cell_id=cell_id,
            )
        finally:
            shell.events.trigger("post_execute")
            shell.events.trigger("post_run_cell", result)
    else:
        result = shell.run_cell(code, store_history=True, silent=False, cell_id=cell_id)
    error = (
        result.error_before_exec if result.error_before_exec is not None else result.error_in_exec
    )
    ok = result.success and not getattr(shell, "_last_traceback_during_displayhook", False)
    reply: dict[str, Any] = {
        "status": "ok" if ok else "error",
        "execution_count": shell.execution_count - 1,
        "user_expressions": {},
        "payload": shell.payload_manager.read_payload(),
    }
    shell.payload_manager.clear_payload()
    if not ok:
        reply.update(
            traceback=shell._last_traceback or [], ename=type(error).__name__, evalue=str(error)
        )
    return reply


def _scrub(shell: Any, code: str, visible: str) -> None:
    """Replace a test cell's source by its visible part wherever IPython kept it."""
    history = shell.history_manager
    count = shell.execution_count - 1
    for entries in (history.input_hist_raw, history.input_hist_parsed):
        if 0 <= count < len(entries):
            entries[count] = visible
    for name in ("_i", "_ii", "_iii", f"_i{count}", "_i00"):
        if shell.user_ns.get(name) == code.rstrip("\n"):
            shell.user_ns[name] = visible
    lines = (visible + "\n").splitlines(keepends=True)
    for filename, entry in list(linecache.cache.items()):
        if len(entry) >= 3 and "".join(entry[2]).rstrip("\n") == code.rstrip("\n"):
            linecache.cache[filename] = (len(visible), None, lines, filename)
    result = shell.last_execution_result
    if result is not None:
        result.info.raw_cell = visible
        result.info.transformed_cell = visible


def main(argv: list[str] | None = None, key: bytes | None = None) -> None:
    """Start the kernel (``python -m coursetools.grading.kernel -f <connection file>``)."""
    kernel_class = boot(key)
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=argv, kernel_class=kernel_class)
