"""Support package for the lending-library course notebooks (import name ``helpers``).

A notebook's setup cell calls :func:`start`; test cells use :mod:`helpers.checks`;
:func:`helpers.progress.overview` shows which exercises pass. Imports stay light
here so that a kernel's first cell answers quickly.
"""

from __future__ import annotations

__all__ = ["start"]


def start(notebook_id: str, *, your_package: bool = False) -> None:
    """Prepare this kernel for a notebook; see :func:`helpers.notebook.start`."""
    from helpers.notebook import start as _start

    _start(notebook_id, your_package=your_package)
