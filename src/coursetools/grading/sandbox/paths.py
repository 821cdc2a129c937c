"""Which host paths a kernel may see (read-only) and which code is trusted.

The kernel needs the Python installation, its virtual environment and the
course's packages (for an editable install, their source folders), found by
asking the interpreter itself in isolated mode (``-I``: no current folder, no
``PYTHONPATH``), plus the system libraries. A path that is, or contains, a
folder of the course's data (source, submissions, gradebook) is refused.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")


@functools.cache
def python_paths() -> tuple[str, ...]:
    """The interpreter's prefixes and import path, as it sees them in isolated mode."""
    script = "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path]))"
    found = json.loads(
        subprocess.run(
            [sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True
        ).stdout
    )
    return tuple(os.path.realpath(p) for p in found if p and os.path.isdir(p))


def readonly_paths(forbidden: tuple[str, ...]) -> tuple[str, ...]:
    """Host paths to expose, without any that equals or contains a ``forbidden`` path."""
    banned = [os.path.realpath(p) for p in forbidden]
    kept = []
    for path in (*SYSTEM, *python_paths()):
        real = os.path.realpath(path) if not os.path.islink(path) else path
        if any(b == real or b.startswith(real.rstrip("/") + "/") for b in banned):
            continue
        kept.append(path)
    return tuple(dict.fromkeys(kept))


def trusted_prefixes(readonly: tuple[str, ...]) -> tuple[str, ...]:
    """Code under these folders is the installation's, not the notebook's."""
    return tuple(os.path.realpath(p) for p in readonly if os.path.isdir(p))
