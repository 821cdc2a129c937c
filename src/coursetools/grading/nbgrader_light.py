"""Import nbgrader's grading modules without its Jupyter server extensions.

``import nbgrader.api`` first runs ``nbgrader/__init__.py``, which exists to
load the formgrader, exchange and assignment-list server extensions and takes
seconds (the "4.6 s start-up per nbgrader command" of the course's issue). The
grading commands only need the API, the course directory and the
preprocessors, none of which use the package's ``__init__``. :func:`light`
registers the package without running it; if nbgrader is already imported
(under pytest, in a Jupyter server), it changes nothing.

It also spares jsonschema's *optional* ``rfc3987_syntax`` format checker, whose
grammar takes seconds to build on import: nbformat validates notebooks without
format checking, so nothing the grader does uses it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys


def light() -> None:
    """Make ``import nbgrader.<module>`` skip ``nbgrader/__init__.py``."""
    if "jsonschema" not in sys.modules:
        # None in sys.modules makes importing that module fail fast, on purpose.
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    if "nbgrader" in sys.modules:
        return
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["nbgrader"] = module
    # A bare module from a spec: ModuleType declares no __version__.
    module.__version__ = importlib.import_module("nbgrader._version").__version__  # type: ignore[attr-defined]
