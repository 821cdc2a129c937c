"""Notebook 11: the learner's workspace made a whole package, and run for real.

::

    package = assemble()              # the workspace made whole, in place
    print(package.describe())         # per layer: yours, or the reference's and why
    package.ruff(); package.type_check(); package.pytest()
    package.upgrade(url)              # alembic upgrade head, a subprocess
    with package.serve() as base_url: # uvicorn on a free 127.0.0.1 port
        ...

Every command runs as the learner would run it in a terminal, in the package's folder, in a
process of its own (``terminal_commands()`` prints them); none of them imports the package
into the kernel. A database URL of None is a fresh SQLite file in a temporary folder; a
``postgresql+asyncpg://`` URL works the same. Which layers are the learner's is decided in
:mod:`helpers.capstone.assembly`.

Under nbgrader (``NBGRADER_EXECUTION`` set) the package is assembled in a private temporary
folder, from the reference and this kernel's own workspace cells, never from the
instructor's workspace.
"""

from __future__ import annotations

from helpers.capstone.commands import CapstoneError, CommandResult
from helpers.capstone.package import Package, assemble

__all__ = ["CapstoneError", "CommandResult", "Package", "assemble"]
