"""Build a kernel's minimal root file system inside new Linux namespaces.

Called in a freshly forked process after ``unshare`` (see :mod:`.zygote`): the
process is PID 1 of a new PID namespace, alone in new mount, network, IPC and
UTS namespaces. :func:`build` mounts a ``tmpfs`` root holding only

- the Python installation, virtual environment and course packages, read-only,
  at their usual paths (everything else on the machine, the course folder with
  its source notebooks, gradebook and submissions included, does not exist);
- a minimal ``/etc`` (the dynamic linker cache, time zone, a ``passwd`` naming
  the kernel's uid), ``/dev`` with the harmless devices, a private ``/proc``;
- size-limited ``tmpfs`` mounts for ``/tmp``, ``/dev/shm`` and the work folder,
  which receives the notebook's files, owned by the kernel's uid;

then makes it the root (``pivot_root``) and detaches the old one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
from dataclasses import dataclass

from coursetools.grading.sandbox import linux

RUN_DIR = "/run/grader"
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "nsswitch.conf",
    "host.conf",
    "hosts",
    "mime.types",
    "ssl",
    "ca-certificates",
    "alternatives",
)
DEVICES = ("null", "zero", "full", "random", "urandom")


@dataclass(frozen=True)
class JailSpec:
    """What the jail holds; paths are host paths unless said otherwise."""

    root: str  # an empty host directory to mount the new root on
    files: str  # a host directory whose regular files are copied into the work folder
    readonly: tuple[str, ...]  # host paths visible read-only at the same path
    workdir: str  # the kernel's working folder, inside the jail
    uid: int
    gid: int
    work_bytes: int
    tmp_bytes: int


def enter_namespaces(user_namespace: bool) -> None:
    """Unshare mount, PID, network, IPC and UTS (and user, when not root)."""
    flags = (
        linux.CLONE_NEWNS
        | linux.CLONE_NEWPID
        | linux.CLONE_NEWNET
        | linux.CLONE_NEWIPC
        | linux.CLONE_NEWUTS
    )
    if user_namespace:
        uid, gid = os.getuid(), os.getgid()
        linux.unshare(flags | linux.CLONE_NEWUSER)
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    else:
        linux.unshare(flags)


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _tmpfs(target: str, size: int, mode: int, flags: int = 0) -> None:
    linux.mount(
        "tmpfs",
        target,
        "tmpfs",
        linux.MS_NOSUID | linux.MS_NODEV | flags,
        f"size={size},mode={mode:o}",
    )


def _bind(source: str, target: str, readonly: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    linux.mount(source, target, None, linux.MS_BIND | linux.MS_REC)
    if not readonly:
        return
    flags = linux.MS_BIND | linux.MS_REMOUNT | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
    try:
        linux.mount(None, target, None, flags)
    except PermissionError:  # in a user namespace, locked flags must be kept
        locked = os.statvfs(source).f_flag & (linux.MS_NOEXEC | 0x400 | 0x800 | 0x1000)
        linux.mount(None, target, None, flags | locked)


def _expose(path: str, root: str) -> None:
    """Make host ``path`` appear read-only at the same place under ``root``."""
    target = root + path
    if os.path.islink(path):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.exists(path):
        _bind(path, target, readonly=True)


def _outermost(paths: tuple[str, ...]) -> list[str]:
    clean = sorted({os.path.normpath(p) for p in paths if p})
    kept: list[str] = []
    for path in clean:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def _etc(root: str, uid: int, gid: int) -> None:
    etc = root + "/etc"
    os.makedirs(etc, exist_ok=True)
    _tmpfs(etc, 1 << 20, 0o755)
    for name in ETC_FILES:
        source = "/etc/" + name
        if os.path.islink(source):
            os.symlink(os.readlink(source), etc + "/" + name)
        elif os.path.exists(source):
            _bind(source, etc + "/" + name, readonly=True)
    _write(
        etc + "/passwd",
        f"root:x:0:0::/:/usr/sbin/nologin\ngrader:x:{uid}:{gid}::/tmp:/usr/sbin/nologin\n",
    )
    _write(etc + "/group", f"root:x:0:\ngrader:x:{gid}:\n")
    _write(etc + "/hostname", "grader\n")


def _dev(root: str) -> None:
    dev = root + "/dev"
    os.makedirs(dev, exist_ok=True)
    _tmpfs(dev, 1 << 16, 0o755)
    for name in DEVICES:
        _bind("/dev/" + name, f"{dev}/{name}", readonly=False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(target, f"{dev}/{name}")
    os.symlink("/proc/self/fd/1", f"{dev}/stdout")
    os.symlink("/proc/self/fd/2", f"{dev}/stderr")
    os.makedirs(dev + "/shm")
    _tmpfs(dev + "/shm", 16 << 20, 0o1777)


def _workdir(spec: JailSpec) -> None:
    target = spec.root + spec.workdir
    os.makedirs(target, exist_ok=True)
    _tmpfs(target, spec.work_bytes, 0o755)
    for folder, _, names in os.walk(spec.files, followlinks=False):
        relative = os.path.relpath(folder, spec.files)
        destination = os.path.normpath(os.path.join(target, relative))
        os.makedirs(destination, exist_ok=True)
        os.chown(destination, spec.uid, spec.gid)
        for name in names:
            source = os.path.join(folder, name)
            if os.path.islink(source) or not os.path.isfile(source):
                continue  # only regular files: a symlink could point anywhere on the host
            shutil.copyfile(source, os.path.join(destination, name))
            os.chown(os.path.join(destination, name), spec.uid, spec.gid)


def build(spec: JailSpec, connection: str) -> None:
    """Mount the jail on ``spec.root`` and make it the root; ``connection`` is JSON."""
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    root = spec.root
    _tmpfs(root, 1 << 20, 0o755)
    # /tmp first: a read-only path under /tmp (a course cloned there, its venv)
    # must be mounted on top of the private /tmp, not hidden beneath it.
    os.makedirs(root + "/tmp")
    _tmpfs(root + "/tmp", spec.tmp_bytes, 0o1777)
    for path in _outermost(spec.readonly):
        _expose(path, root)
    _etc(root, spec.uid, spec.gid)
    _dev(root)
    os.makedirs(root + "/proc")
    linux.mount("proc", root + "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    run = root + RUN_DIR
    os.makedirs(run)
    _tmpfs(run, 1 << 20, 0o700)
    os.chown(run, spec.uid, spec.gid)
    os.chmod(run, 0o700)
    _write(run + "/kernel.json", connection)
    os.chown(run + "/kernel.json", spec.uid, spec.gid)
    os.chmod(run + "/kernel.json", 0o600)
    _workdir(spec)
    os.chdir(root)
    linux.pivot_root(".", ".")
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")
    linux.mount(None, "/", None, linux.MS_BIND | linux.MS_REMOUNT | linux.MS_RDONLY)


def loopback_up() -> None:
    """Bring up ``lo`` in the new network namespace (localhost works; nothing else)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))
