"""Small file utilities shared by the workspace and the progress store."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as handle:
        handle.write(text)
    temporary = Path(handle.name)
    try:
        os.chmod(temporary, 0o644)  # an ordinary file, not mkstemp's private 0600
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
