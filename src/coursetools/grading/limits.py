"""The bounds every notebook runs within, and how they are applied to a process."""

from __future__ import annotations

import resource
from dataclasses import dataclass

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits. Times in seconds, sizes in bytes."""

    # One cell (nbgrader's Execute.timeout): wall clock, less the time the machine kept the
    # kernel waiting for a CPU, so honest work keeps its marks on a busy machine; whatever the
    # wait, a cell ends after ``starved_factor`` times this.
    cell_timeout: float = 120.0
    starved_factor: float = 3.0
    notebook_timeout: float = 600.0  # the whole notebook, re-runs included
    startup_timeout: float = 60.0  # until the kernel answers
    memory_bytes: int = 4 * GiB  # address space of each process (RLIMIT_AS)
    processes: int = 256  # processes and threads of the kernel's uid (RLIMIT_NPROC)
    soft_processes: int = 64  # more processes than this stops the run (a fork bomb)
    file_bytes: int = 64 * MiB  # largest file a process may write (RLIMIT_FSIZE)
    open_files: int = 1024  # RLIMIT_NOFILE
    work_bytes: int = 256 * MiB  # the work folder (a tmpfs)
    tmp_bytes: int = 256 * MiB  # /tmp (a tmpfs)
    cell_output_bytes: int = 256 * 1024  # outputs kept per cell
    notebook_output_bytes: int = 4 * MiB  # outputs kept per notebook
    message_bytes: int = 64 * MiB  # largest kernel message received (ZMQ_MAXMSGSIZE)

    def apply(self, *, processes: bool) -> None:
        """Set the resource limits of the calling process (inherited by its children)."""
        cpu = int(self.notebook_timeout) + 30
        pairs = [
            (resource.RLIMIT_AS, self.memory_bytes),
            (resource.RLIMIT_FSIZE, self.file_bytes),
            (resource.RLIMIT_NOFILE, self.open_files),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_CPU, cpu),
        ]
        if processes:
            pairs.append((resource.RLIMIT_NPROC, self.processes))
        for which, value in pairs:
            resource.setrlimit(which, (value, value))
