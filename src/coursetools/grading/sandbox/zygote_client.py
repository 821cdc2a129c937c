"""The grading worker's side of the zygote: start it once, ask it for kernels."""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

from coursetools.grading.sandbox.spec import KernelSpec

START_TIMEOUT = 120.0
SPAWN_TIMEOUT = 90.0


class SandboxError(RuntimeError):
    """A kernel could not be started in its sandbox."""


@dataclass(frozen=True)
class Capability:
    """What this machine lets the sandbox do (probed once by the zygote)."""

    jailed: bool  # namespaces and the minimal root (False: the degraded mode)
    user_namespace: bool  # not root: jailed inside a user namespace
    private_uid: bool  # kernels get a private unprivileged uid
    mechanisms: tuple[str, ...]
    warnings: tuple[str, ...]


class Zygote:
    """A running ``python -m coursetools.grading.sandbox.zygote``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        # Isolated mode (-I): no current folder or PYTHONPATH on sys.path of a root process;
        # a private folder as cwd: preloaded modules run at import, not in the course.
        self._folder = tempfile.mkdtemp(prefix="coursetools-zygote-")
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "coursetools.grading.sandbox.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            cwd=self._folder,
        )
        self._buffer = b""
        first = json.loads(self._line(START_TIMEOUT))
        self.capability = Capability(
            jailed=first["jailed"],
            user_namespace=first["user_namespace"],
            private_uid=first["private_uid"],
            mechanisms=tuple(first["mechanisms"]),
            warnings=tuple(first["warnings"]),
        )

    def _line(self, timeout: float) -> str:
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], timeout)
            chunk = os.read(fd, 1 << 16) if ready else b""
            if not chunk:
                raise SandboxError("the grading zygote stopped answering")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def spawn(self, spec: KernelSpec) -> int:
        """Fork a kernel as ``spec`` says; returns its init's PID (the kernel's, unjailed)."""
        with self._lock:
            self._next += 1
            request = json.dumps({"id": self._next, "spec": spec.to_json()}) + "\n"
            assert self._process.stdin is not None
            self._process.stdin.write(request.encode())
            reply = json.loads(self._line(SPAWN_TIMEOUT))
        if "pid" not in reply:
            raise SandboxError(f"the sandbox did not start: {reply.get('error')}")
        return int(reply["pid"])

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self._folder, ignore_errors=True)


_zygotes: dict[int, Zygote] = {}
_guard = threading.Lock()


@atexit.register
def _close_all() -> None:
    for process in _zygotes.values():
        process.close()


def zygote() -> Zygote:
    """This process's zygote, started on first use."""
    with _guard:
        found = _zygotes.get(os.getpid())
        if found is None or found._process.poll() is not None:
            if found is not None:
                found.close()
            found = _zygotes[os.getpid()] = Zygote()
        return found
