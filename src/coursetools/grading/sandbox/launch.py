"""Start one sandboxed grading kernel for the grading worker, and end it.

:func:`start` stages the notebook's files in a root-only folder, takes a
private uid, asks this process's :class:`~.zygote_client.Zygote` to fork a
jailed kernel and returns a :class:`Sandbox`: the connection the client needs,
a liveness check and a kill that ends every process the notebook started.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from coursetools.grading import proof
from coursetools.grading.limits import Limits
from coursetools.grading.sandbox import paths, plain
from coursetools.grading.sandbox.jail import RUN_DIR, JailSpec
from coursetools.grading.sandbox.spec import KernelSpec
from coursetools.grading.sandbox.uids import private_uid
from coursetools.grading.sandbox.zygote_client import SandboxError, zygote

WORK_ROOT = "/home/grader"
KERNEL_ARGS = ("--HistoryManager.enabled=False", "--IPKernelApp.log_level=CRITICAL")
LOWEST_PRIORITY = 19  # niceness
MAX_TREE = 4096  # processes followed below init (a fork bomb is the process limit's job)


@dataclass
class Sandbox:
    """A running kernel: how to reach it, whether it lives, how to end it."""

    connection: dict[str, object]
    proof_key: bytes
    mechanisms: tuple[str, ...]
    warnings: tuple[str, ...]
    _pid: int
    _started: str
    _uid: int
    _jailed: bool
    _cleanup: ExitStack = field(repr=False)
    _keeper: tuple[int, str] = (0, "")  # unjailed: the process that ends the orphans
    spawn_seconds: float = 0.0  # of the start, the zygote's fork and the jail's building

    def alive(self) -> bool:
        return _start_time(self._pid) == self._started

    def processes(self) -> int:
        """How many processes the kernel's private uid owns (0 if it has none)."""
        return len(self._kernel_pids()) if self._uid else 0

    def waited(self) -> dict[int, int]:
        """Nanoseconds each task (thread) of the kernel's processes has spent runnable but
        waiting for a CPU (``/proc/<pid>/task/<tid>/schedstat``): the machine's load,
        not the notebook's work."""
        found: dict[int, int] = {}
        for pid in self._kernel_pids():
            with contextlib.suppress(OSError):
                for task in os.scandir(f"/proc/{pid}/task"):
                    with (
                        contextlib.suppress(OSError, ValueError, IndexError),
                        open(f"{task.path}/schedstat") as handle,
                    ):
                        found[int(task.name)] = int(handle.read().split()[1])
        return found

    @contextmanager
    def lowered_priority(self) -> Iterator[None]:
        """Let every other kernel run first while an answer that spins until its time-out runs.

        Niceness orders processes within a scheduling autogroup only, and the
        kernel leads a session (so a group, created at niceness 0) of its own: the
        group is lowered too. Afterwards both get back what they had. Best effort:
        where the grader may not, the kernel keeps its priority (raising it back
        needs root).
        """
        before = 0
        with contextlib.suppress(OSError):
            before = os.getpriority(os.PRIO_PROCESS, self._pid)  # the zygote's, inherited
        self._set_priority(LOWEST_PRIORITY, LOWEST_PRIORITY)
        try:
            yield
        finally:
            self._set_priority(before, 0)

    def _set_priority(self, niceness: int, group: int) -> None:
        for pid in self._kernel_pids():
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, niceness)
            with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as handle:
                handle.write(str(group))

    def _kernel_pids(self) -> list[int]:
        """The kernel's processes: its private uid's, or the process tree below init."""
        if self._uid:
            return [
                int(entry.name)
                for entry in os.scandir("/proc")
                if entry.name.isdigit() and _owned(entry, self._uid)
            ]
        found: list[int] = []
        todo = [self._pid]
        while todo and len(found) < MAX_TREE:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as handle:
                todo += [int(child) for child in handle.read().split()]
        return found

    def kill(self) -> None:
        """End the kernel and everything it started; remove the staged files."""
        try:
            self.end_processes()
        finally:
            self._cleanup.close()

    def end_processes(self) -> None:
        """End the kernel and everything it started (from any thread; :meth:`kill` cleans up)."""
        if self.alive():
            if self._jailed:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)  # PID 1: the namespace ends
            else:
                plain.kill_group(self._pid)
        if not self._jailed:
            plain.kill_uid(self._uid)
        deadline = time.monotonic() + 5
        keeper, started = self._keeper
        while time.monotonic() < deadline and (
            self.alive() or (keeper and _start_time(keeper) == started)
        ):
            time.sleep(0.01)


def _owned(entry: os.DirEntry[str], uid: int) -> bool:
    try:
        return entry.stat().st_uid == uid
    except OSError:
        return False


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name ([] once gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return []


def _start_time(pid: int) -> str:
    """Field 22 of ``/proc/<pid>/stat`` (empty once gone or a zombie): guards pid reuse."""
    fields = _stat(pid)
    return "" if not fields or fields[0] in "ZX" else fields[19]


def _safe_relative(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SandboxError(f"refusing to stage the file {name!r}")
    return str(path)


def _stage(files: dict[str, bytes], folder: str) -> None:
    for name, data in files.items():
        target = os.path.join(folder, _safe_relative(name))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)


def _plain_files(staging: str, connection: dict[str, object], uid: int) -> None:
    """The degraded mode's work folder and connection file, owned by the kernel's uid."""
    path = f"{staging}/kernel.json"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        json.dump(connection, handle)
    if uid:
        os.chown(path, uid, uid)
        for base, dirs, names in os.walk(f"{staging}/files"):
            for name in [*dirs, *names]:
                os.chown(os.path.join(base, name), uid, uid)
        os.chown(f"{staging}/files", uid, uid)


def kernel_env(trusted: tuple[str, ...]) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "IPYTHONDIR": "/tmp/.ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter",
        "MPLBACKEND": "agg",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "NBGRADER_EXECUTION": "autograde",
        "COURSE_WORKSPACE": "/tmp/workspace",
        "GRADER_TRUSTED_PATHS": os.pathsep.join(trusted),
    }


def start(
    files: dict[str, bytes],
    folder_name: str,
    limits: Limits,
    forbidden: tuple[str, ...],
    preload: tuple[str, ...] = (),
) -> Sandbox:
    """Start a jailed kernel whose work folder holds ``files``."""
    process = zygote()
    capability = process.capability
    cleanup = ExitStack()
    try:
        staging = tempfile.mkdtemp(prefix="coursetools-grading-")
        cleanup.callback(shutil.rmtree, staging, True)
        os.makedirs(f"{staging}/root")
        os.makedirs(f"{staging}/files")
        _stage(files, f"{staging}/files")
        uid = cleanup.enter_context(private_uid()) if capability.private_uid else 0
        readonly = paths.readonly_paths(forbidden)
        trusted = paths.trusted_prefixes(readonly)
        session_key = secrets.token_hex(32)
        proof_key = secrets.token_bytes(proof.KEY_BYTES)
        jailed = capability.jailed
        if jailed:
            os.chmod(staging, 0o700)
            ports, ip, transport = [1, 2, 3, 4, 5], f"{RUN_DIR}/kernel", "ipc"
            workdir = f"{WORK_ROOT}/{_safe_relative(folder_name)}"
            connection_file = f"{RUN_DIR}/kernel.json"
        else:
            os.chmod(staging, 0o711)
            ports, ip, transport = plain.free_ports(5), "127.0.0.1", "tcp"
            workdir = f"{staging}/files"
            connection_file = f"{staging}/kernel.json"
        connection: dict[str, object] = {
            "transport": transport,
            "ip": ip,
            "shell_port": ports[0],
            "iopub_port": ports[1],
            "stdin_port": ports[2],
            "control_port": ports[3],
            "hb_port": ports[4],
            "key": session_key,
            "signature_scheme": "hmac-sha256",
            "kernel_name": "coursetools-grader",
        }
        if not jailed:
            _plain_files(staging, connection, uid)
        spec = KernelSpec(
            jail=JailSpec(
                root=f"{staging}/root",
                files=f"{staging}/files",
                readonly=readonly,
                workdir=workdir,
                uid=uid,
                gid=uid,
                work_bytes=limits.work_bytes,
                tmp_bytes=limits.tmp_bytes,
            ),
            limits=limits,
            env=kernel_env(trusted) if jailed else {**kernel_env(trusted), "HOME": workdir},
            key_hex=proof_key.hex(),
            connection=connection,
            kernel_args=KERNEL_ARGS,
            user_namespace=capability.user_namespace,
            preload=preload,
            jailed=jailed,
            connection_file=connection_file,
        )
        forking = time.monotonic()
        pid = process.spawn(spec)
        forking = time.monotonic() - forking
        started = _start_time(pid)
        parent = int((_stat(pid) or ["", "0"])[1])
        keeper = (parent, _start_time(parent)) if not jailed and parent else (0, "")
        client_side = dict(connection, ip=f"/proc/{pid}/root{ip}") if jailed else connection
        return Sandbox(
            connection=client_side,
            proof_key=proof_key,
            mechanisms=capability.mechanisms,
            warnings=capability.warnings,
            _pid=pid,
            _started=started,
            _uid=uid,
            _jailed=jailed,
            _cleanup=cleanup,
            _keeper=keeper,
            spawn_seconds=forking,
        )
    except BaseException:
        cleanup.close()
        raise
