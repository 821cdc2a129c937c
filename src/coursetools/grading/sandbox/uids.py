"""A private uid for each running kernel, unique on this machine while it runs.

Every kernel gets its own unprivileged uid, so that the per-uid process limit
(``RLIMIT_NPROC``) is per notebook and no two kernels can signal or read each
other even outside namespaces. A uid is held by an ``flock`` on a file in a
root-only folder and released when the kernel is done.
"""

from __future__ import annotations

import fcntl
import os
import random
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

BASE = 3_000_000_000  # far above login and container sub-uid ranges
SPAN = 1_000_000
NAME = "coursetools-grading-uids"


def lock_folder() -> str:
    """A folder only this user can write (``/run`` as root), checked, not trusted."""
    parent = "/run" if os.geteuid() == 0 and os.access("/run", os.W_OK) else tempfile.gettempdir()
    folder = os.path.join(parent, NAME)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} is not a private folder of this user: remove it")
    return folder


@contextmanager
def private_uid() -> Iterator[int]:
    """Hold a uid no other kernel on this machine holds."""
    locks = lock_folder()
    for _ in range(100):
        uid = BASE + random.randrange(SPAN)
        fd = os.open(f"{locks}/{uid}", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            try:
                os.unlink(f"{locks}/{uid}")
            finally:
                os.close(fd)
        return
    raise RuntimeError("no free grading uid")
