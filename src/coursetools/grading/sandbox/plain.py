"""The degraded mode, without namespaces: what still holds and how kernels are ended.

Without namespaces a kernel sees the machine's file system and network. What
remains: resource limits, no new privileges, a private uid when the grader runs
as root *and* the Python installation is readable by other users, the audit
hook and the rest of the kernel's defences. The kernel works in a staged copy
of the notebook's files on disk, is reached over TCP on 127.0.0.1, and is ended
by killing its process group and, with a private uid, every process of that
uid; the process that started it is a child subreaper, so detached processes
come back to it and are ended too. The grader says all this loudly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import sys
from pathlib import Path


def installation_shared() -> bool:
    """Whether other users can read the Python installation (and so use it)."""
    for top in {Path(sys.base_prefix), Path(sys.prefix)}:
        for folder in [*reversed(top.parents), top]:
            try:
                if not folder.stat().st_mode & stat.S_IXOTH:
                    return False
            except OSError:
                return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` TCP ports free on 127.0.0.1 right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (from a child that takes that uid: ``kill(-1)``)."""
    if not uid:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(3):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def end_orphans() -> None:
    """In a child subreaper: kill and reap every child until none is left."""
    while True:
        children: set[int] = set()
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                children |= {int(p) for p in (task / "children").read_text().split()}
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        try:
            while os.waitpid(-1, os.WNOHANG if not children else 0)[0]:
                pass
        except ChildProcessError:
            return


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
