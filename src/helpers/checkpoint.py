"""Known-good starting points: every earlier layer, restored from the reference.

Each notebook builds one layer of the ``lending`` service. A notebook's setup
calls :func:`restore` with its own id; every layer built *before* it is loaded
from :mod:`helpers.reference` and made importable under the name it has in the
learner's package (``lending.schemas``, ``lending.models``, ...). A learner who
struggled in notebook 03 therefore starts 04 from working code, and nbgrader
grades each notebook on its own.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from types import ModuleType

PACKAGE = "lending"


@dataclass(frozen=True)
class Layer:
    """One layer of the service: where it is built and where its reference lives."""

    name: str
    notebook: str
    reference: str


LAYERS: tuple[Layer, ...] = (
    Layer("clock", "00-orientation", "helpers.reference.clock"),
    Layer("schemas", "01-schemas", "helpers.reference.schemas"),
    Layer("models", "02-models", "helpers.reference.models"),
    Layer("db", "02-models", "helpers.reference.db"),
    Layer("repositories", "03-repositories", "helpers.reference.repositories"),
    Layer("errors", "04-services", "helpers.reference.errors"),
    Layer("services", "04-services", "helpers.reference.services"),
    Layer("settings", "05-routers", "helpers.reference.settings"),
    Layer("deps", "05-routers", "helpers.reference.deps"),
    Layer("routers", "05-routers", "helpers.reference.routers"),
    Layer("app", "05-routers", "helpers.reference.app"),
)


def notebook_number(notebook_id: str) -> int:
    """The syllabus position of ``NN-name``; a malformed id is a clear error."""
    prefix = notebook_id.split("-", 1)[0]
    if not (len(prefix) == 2 and prefix.isdigit()):
        raise ValueError(f"notebook ids look like '03-repositories', not {notebook_id!r}")
    return int(prefix)


@dataclass
class Checkpoint:
    """The layers restored for one notebook, importable as ``lending.<layer>``."""

    notebook: str
    layers: dict[str, ModuleType] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.layers:
            return "Nothing to restore: this notebook starts from scratch."
        by_notebook: dict[str, list[str]] = {}
        for layer in LAYERS:
            if layer.name in self.layers:
                by_notebook.setdefault(layer.notebook, []).append(f"{PACKAGE}.{layer.name}")
        rows = [f"  {notebook}: {', '.join(names)}" for notebook, names in by_notebook.items()]
        return "\n".join(["Restored the reference version of earlier layers:", *rows])


def restore(notebook_id: str) -> Checkpoint:
    """Make every layer built before ``notebook_id`` importable from ``lending``."""
    number = notebook_number(notebook_id)
    checkpoint = Checkpoint(notebook_id)
    package = sys.modules.get(PACKAGE)
    if package is None or not getattr(package, "__checkpoint__", False):
        package = ModuleType(PACKAGE, "Reference layers restored by helpers.checkpoint.")
        package.__path__ = []  # a package, so that `import lending.schemas` resolves
        package.__checkpoint__ = True  # type: ignore[attr-defined]
        sys.modules[PACKAGE] = package
    for layer in LAYERS:
        if notebook_number(layer.notebook) >= number:
            continue
        checkpoint.layers[layer.name] = _install(package, layer.name, layer.reference)
    return checkpoint


def _install(package: ModuleType, name: str, module: ModuleType | str) -> ModuleType:
    """Make ``module`` (or the module of that dotted name) importable as ``lending.<name>``."""
    if isinstance(module, str):
        module = importlib.import_module(module)
    sys.modules[f"{PACKAGE}.{name}"] = module
    setattr(package, name, module)
    return module


def from_this_notebook(
    namespace: dict[str, object], *layers: str, reference_fallback: bool = False
) -> None:
    """Make ``lending.<layer>`` importable from the notebook whose globals are ``namespace``.

    A notebook that builds several modules writes ``from lending.errors import
    NotFound`` in a later cell, as the files of its package will. Each name is
    looked up in ``namespace`` at import time, so the import sees the cell run
    most recently. A name no cell has defined yet is an ``AttributeError``
    (an ``ImportError`` at the import), or with ``reference_fallback`` comes from
    the layer's reference version, as earlier layers do.
    """
    known = {layer.name: layer for layer in LAYERS}
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ValueError(f"no such layer: {', '.join(unknown)} (layers: {', '.join(known)})")
    package = sys.modules.get(PACKAGE)
    if package is None:
        raise RuntimeError(f"run the setup cell first: start(...) creates the {PACKAGE} package")
    for name in layers:
        reference = importlib.import_module(known[name].reference) if reference_fallback else None
        _install(package, name, _notebook_module(f"{PACKAGE}.{name}", namespace, reference))
    print("Importable from this notebook:", ", ".join(f"{PACKAGE}.{name}" for name in layers))


def _notebook_module(
    qualified: str, namespace: dict[str, object], reference: ModuleType | None
) -> ModuleType:
    module = ModuleType(qualified, "Names defined by the notebook's cells, looked up at import.")

    def find(name: str) -> object:
        if not name.startswith("__"):
            if name in namespace:
                return namespace[name]
            if reference is not None:
                return getattr(reference, name)
        raise AttributeError(f"{name} is not defined in this notebook (yet)")

    module.__dict__["__getattr__"] = find  # PEP 562: consulted for every missing name
    return module
