"""Known-good starting points: each notebook starts from the reference layers built before it.

The reference service is the package ``lending_reference``, laid out by layer as the
learner's ``lending`` package is. Most layers are built once; some are revised by a later
notebook (06 gives the app its error handlers, 09 its security, ...). :data:`BUILT` says
which notebook builds or revises which layers. The *checkpoint* of notebook NN holds every
layer in its latest version from a notebook before NN, so it never contains NN's answers.

Where a version's file lives follows from the table, so adding a version never edits an
earlier row:

- a layer's latest version is the package's own module, ``lending_reference/<layer>.py``
  (the capstone's answer key);
- an earlier one is ``lending_reference/history/<notebook>/<layer>.py``, the file as that
  notebook left it (move the file there when a later notebook revises the layer).

:func:`restore` loads a checkpoint's files as ``lending.<layer>``. Their relative imports
(``from .models import Book``) therefore resolve to the other layers of the same
checkpoint, exactly as they would in the learner's package. The modules are ordinary
course code, not grading machinery: a test may monkeypatch them, while learning and while
grading alike.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

PACKAGE = "lending"
REFERENCE = Path(__file__).resolve().parent.parent / "lending_reference"

#: Which notebook builds (or revises) which layers, in syllabus order. Layers load in the
#: order they are first built, except that a version loads after every layer it imports
#: (06's routers import 06's new layer, problems).
BUILT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("00-orientation", ("clock",)),
    ("01-schemas", ("schemas",)),
    ("02-models", ("models", "db")),
    ("03-repositories", ("repositories",)),
    ("04-services", ("errors", "services")),
    ("05-routers", ("settings", "deps", "routers", "app")),
    ("06-errors", ("problems", "routers", "app")),
    ("07-testing", ("testing",)),
    ("08-migrations", ("models", "settings", "app")),
    ("09-security", ("settings", "security", "routers")),
    ("10-performance", ("db", "repositories", "reads", "routers")),
    (
        "11-capstone",
        ("schemas", "models", "errors", "repositories", "services", "deps", "problems", "routers"),
    ),
)


class CheckpointError(RuntimeError):
    """A checkpoint cannot be restored as asked (the message says why and what to do)."""


def notebook_number(notebook_id: str) -> int:
    """The syllabus position of ``NN-name``; a malformed id is a clear error."""
    prefix = notebook_id.split("-", 1)[0]
    if not (len(prefix) == 2 and prefix.isdigit()):
        raise ValueError(f"notebook ids look like '03-repositories', not {notebook_id!r}")
    return int(prefix)


@dataclass(frozen=True)
class Version:
    """One version of a layer: the notebook that wrote it, and the file that holds it."""

    layer: str
    notebook: str
    path: Path


def versions(
    built: Iterable[tuple[str, Iterable[str]]] | None = None, root: Path | None = None
) -> list[Version]:
    """Every version of every layer, in table order, each with the file that holds it."""
    rows = [(notebook, tuple(layers)) for notebook, layers in (built or BUILT)]
    root = root or REFERENCE
    last = {layer: notebook for notebook, layers in rows for layer in layers}
    return [
        Version(
            layer,
            notebook,
            root / f"{layer}.py"
            if last[layer] == notebook
            else root / "history" / notebook / f"{layer}.py",
        )
        for notebook, layers in rows
        for layer in layers
    ]


def first_built() -> dict[str, str]:
    """Layer name -> the notebook that first builds it."""
    found: dict[str, str] = {}
    for notebook, layers in BUILT:
        for layer in layers:
            found.setdefault(layer, notebook)
    return found


def layers_for(notebook_id: str, *, inclusive: bool = False) -> dict[str, Version]:
    """The checkpoint of ``notebook_id``: each layer's latest version from before it.

    With ``inclusive``, versions written by ``notebook_id`` itself count too: the
    state a notebook *ends* in, which is what its exercises' tests expect.
    """
    number = notebook_number(notebook_id)
    chosen: dict[str, Version] = {}
    for version in versions():
        written = notebook_number(version.notebook)
        if written < number or (inclusive and written == number):
            chosen[version.layer] = version  # later rows replace earlier ones
    return {layer: chosen[layer] for layer in _loading_order(chosen)}


def _loading_order(chosen: dict[str, Version]) -> list[str]:
    """First-built order, with each layer moved after the layers its file imports."""
    pending = [layer for layer in first_built() if layer in chosen]
    needs = {layer: _relative_imports(chosen[layer].path) & set(chosen) for layer in pending}
    ordered: list[str] = []
    while pending:
        ready = next((layer for layer in pending if needs[layer] <= set(ordered)), pending[0])
        ordered.append(ready)  # pending[0] only for an import cycle: loading then says why
        pending.remove(ready)
    return ordered


def _relative_imports(path: Path) -> set[str]:
    """The sibling layers a file imports (``from .models import Book`` names ``models``)."""
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }


@dataclass
class Checkpoint:
    """The layers restored for one notebook, importable as ``lending.<layer>``.

    ``own`` names the layers taken from the learner's package; ``fallbacks`` the
    layers of it that could not be used, with the reason.
    """

    notebook: str
    layers: dict[str, ModuleType] = field(default_factory=dict)
    own: tuple[str, ...] = ()
    fallbacks: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        reference = [name for name in self.layers if name not in self.own]
        if not self.layers:
            return "Nothing to restore: this notebook starts from scratch."
        lines: list[str] = []
        if self.own:
            lines.append("From your package: " + ", ".join(f"{PACKAGE}.{n}" for n in self.own))
        if reference:
            checkpoint = layers_for(self.notebook)
            by_notebook: dict[str, list[str]] = {}
            for name in reference:
                by_notebook.setdefault(checkpoint[name].notebook, []).append(f"{PACKAGE}.{name}")
            lines.append("Restored the reference version of earlier layers:")
            lines += [
                f"  {notebook}: {', '.join(names)}" for notebook, names in by_notebook.items()
            ]
        lines += [
            f"  ({PACKAGE}.{name} from the reference: yours failed to import: {reason})"
            for name, reason in self.fallbacks.items()
        ]
        return "\n".join(lines)


def restore(
    notebook_id: str, *, workspace: Path | None = None, inclusive: bool = False
) -> Checkpoint:
    """Make the checkpoint of ``notebook_id`` importable as ``lending.<layer>``.

    Without ``workspace``, ``lending`` is a package made of reference layers only.
    With it (the capstone), ``lending`` is the learner's package in ``workspace``:
    each layer whose module exists there and imports is the learner's, and every
    other layer of the checkpoint comes from the reference. Either way a real
    ``lending`` package that is already imported is never replaced. With ``inclusive``
    (for the course's tests), the notebook's own versions are restored too: the state
    the notebook ends in.
    """
    chosen = layers_for(notebook_id, inclusive=inclusive)
    if workspace is not None:
        return _restore_into_workspace(notebook_id, chosen, Path(workspace))
    package = _checkpoint_package(notebook_id)
    sources = tuple((name, str(version.path)) for name, version in chosen.items())
    if getattr(package, "__checkpoint_sources__", None) == sources and all(
        f"{PACKAGE}.{name}" in sys.modules for name in chosen
    ):
        # The setup cell ran again: keep the very same modules, so that objects made
        # from them stay instances of the classes later cells import.
        layers = {name: sys.modules[f"{PACKAGE}.{name}"] for name in chosen}
        return Checkpoint(notebook_id, layers)
    for name in getattr(package, "__checkpoint_sources__", ()):
        _uninstall(package, name[0])
    # Markers on the module object (ignored below): ModuleType declares no such attributes.
    package.__checkpoint_sources__ = ()  # type: ignore[attr-defined]
    layers = {name: _load(package, version) for name, version in chosen.items()}
    package.__checkpoint_sources__ = sources  # type: ignore[attr-defined]
    return Checkpoint(notebook_id, layers)


def _checkpoint_package(notebook_id: str) -> ModuleType:
    existing = sys.modules.get(PACKAGE)
    if existing is not None and getattr(existing, "__checkpoint__", None) is None:
        where = getattr(existing, "__file__", None) or next(
            iter(getattr(existing, "__path__", [])), None
        )
        if where:
            raise CheckpointError(
                f"a real {PACKAGE} package is already imported (from {where}); restoring the "
                "reference layers would hide it. Restart the kernel and run the setup cell first."
            )
        existing = None  # a stray module of that name: replace it
    if existing is None:
        existing = ModuleType(PACKAGE, "Reference layers restored by helpers.checkpoint.")
        existing.__path__ = []  # a package, so that `import lending.schemas` resolves
        sys.modules[PACKAGE] = existing
    # A marker on the module object: ModuleType declares no such attribute.
    existing.__checkpoint__ = notebook_id  # type: ignore[attr-defined]
    return existing


def _restore_into_workspace(
    notebook_id: str, chosen: dict[str, Version], workspace: Path
) -> Checkpoint:
    folder = (workspace / PACKAGE).resolve()
    if not folder.is_dir():
        raise CheckpointError(
            f"no {PACKAGE} package in {workspace}: its folder {folder} is missing"
        )
    package = _workspace_package(folder)
    checkpoint = Checkpoint(notebook_id)
    own: list[str] = []
    for name, version in chosen.items():
        qualified = f"{PACKAGE}.{name}"
        loaded = sys.modules.get(qualified)
        if loaded is not None and _is_within(loaded, folder):
            checkpoint.layers[name] = loaded
            own.append(name)
            continue
        if (folder / f"{name}.py").is_file():
            try:
                checkpoint.layers[name] = importlib.import_module(qualified)
                own.append(name)
                continue
            except Exception as exc:  # any failure of the learner's module: use the reference
                _uninstall(package, name)
                checkpoint.fallbacks[name] = f"{type(exc).__name__}: {exc}"
        checkpoint.layers[name] = _load(package, version)
    checkpoint.own = tuple(own)
    return checkpoint


def _workspace_package(folder: Path) -> ModuleType:
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        if str(folder) in [str(Path(p).resolve()) for p in getattr(existing, "__path__", [])]:
            return existing
        raise CheckpointError(
            f"another {PACKAGE} package is imported already; restart the kernel to use {folder}"
        )
    init = folder / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        PACKAGE, init if init.is_file() else None, submodule_search_locations=[str(folder)]
    )
    if spec is None:  # pragma: no cover - a folder always gives a spec
        raise CheckpointError(f"cannot import {folder} as {PACKAGE}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    if spec.loader is not None and init.is_file():
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[PACKAGE]
            raise
    return package


def _is_within(module: ModuleType, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().parent == folder


def _load(package: ModuleType, version: Version) -> ModuleType:
    """Execute ``version``'s file as ``lending.<layer>`` (its relative imports see the rest)."""
    return _execute(package, version.layer, version.path, install=True)


def _execute(package: ModuleType, name: str, path: Path, *, install: bool) -> ModuleType:
    """Run the file at ``path`` as ``lending.<name>``; ``install`` keeps it there."""
    qualified = f"{PACKAGE}.{name}"
    spec = importlib.util.spec_from_file_location(qualified, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise CheckpointError(f"the reference version of {qualified} is missing: {path}")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(qualified)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        _put_back(qualified, previous)
        raise
    if install:
        setattr(package, name, module)
    else:
        _put_back(qualified, previous)
    return module


def _put_back(qualified: str, previous: ModuleType | None) -> None:
    if previous is None:
        sys.modules.pop(qualified, None)
    else:
        sys.modules[qualified] = previous


def _uninstall(package: ModuleType, name: str) -> None:
    sys.modules.pop(f"{PACKAGE}.{name}", None)
    package.__dict__.pop(name, None)


def _install(package: ModuleType, name: str, module: ModuleType) -> ModuleType:
    """Make ``module`` importable as ``lending.<name>``."""
    sys.modules[f"{PACKAGE}.{name}"] = module
    setattr(package, name, module)
    return module


def reference_version(layer: str, *, notebook: str | None = None) -> ModuleType:
    """The reference version of ``layer`` as this notebook ends it, for a test to compare with.

    It is loaded on the current checkpoint (its ``from .models import Member`` is the
    ``Member`` this notebook uses) but not installed: ``lending.<layer>`` stays the
    learner's. ``notebook`` names the notebook where the package is not a checkpoint (the
    capstone's is the learner's own).
    """
    package = sys.modules.get(PACKAGE)
    notebook = notebook or getattr(package, "__checkpoint__", None)
    if package is None or not isinstance(notebook, str):
        raise CheckpointError("run the setup cell first: start(...) restores the checkpoint")
    final = layers_for(notebook, inclusive=True)
    if layer not in final:
        raise ValueError(f"no layer {layer!r} is built by {notebook} or before it")
    return _execute(package, layer, final[layer].path, install=False)


@contextmanager
def reference_names(namespace: dict[str, object], layer: str, *names: str) -> Iterator[None]:
    """Run the ``with`` body with the reference version of ``names`` in ``namespace``.

    For a test cell whose exercise calls another exercise's answer (09's login calls
    ``verify_password``): the other answer, right or wrong or unsolved, never costs this
    exercise its points. The learner's own names are put back afterwards.
    """
    reference = reference_version(layer)
    saved = {name: namespace[name] for name in names if name in namespace}
    namespace.update({name: getattr(reference, name) for name in names})
    try:
        yield
    finally:
        for name in names:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)


def from_this_notebook(
    namespace: dict[str, object], *layers: str, reference_fallback: bool = False
) -> None:
    """Make ``lending.<layer>`` importable from the notebook whose globals are ``namespace``.

    A notebook that builds several modules writes ``from lending.errors import
    NotFound`` in a later cell, as the files of its package will. Each name is
    looked up in ``namespace`` at import time, so the import sees the cell run
    most recently. A name no cell has defined yet is an ``AttributeError``
    (an ``ImportError`` at the import), or with ``reference_fallback`` comes from
    the version of the layer this notebook builds in the reference.
    """
    known = first_built()
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ValueError(f"no such layer: {', '.join(unknown)} (layers: {', '.join(known)})")
    package = sys.modules.get(PACKAGE)
    if package is None:
        raise RuntimeError(f"run the setup cell first: start(...) creates the {PACKAGE} package")
    for name in layers:
        reference = reference_version(name) if reference_fallback else None
        _install(package, name, _notebook_module(f"{PACKAGE}.{name}", namespace, reference))
    print("Importable from this notebook:", ", ".join(f"{PACKAGE}.{name}" for name in layers))


def grow_from_this_notebook(namespace: dict[str, object], *layers: str) -> None:
    """The capstone's ``from_this_notebook``: ``lending.<layer>`` gains the notebook's names.

    Each name is looked up in ``namespace`` first (the cell run most recently), then in the
    module the setup installed (the learner's package, or the checkpoint), then in the
    reference's latest version (``lending_reference.<layer>``), so a cell that imports an
    earlier exercise's answer still runs when that exercise is not solved yet.
    """
    known = first_built()
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ValueError(f"no such layer: {', '.join(unknown)} (layers: {', '.join(known)})")
    package = sys.modules.get(PACKAGE)
    if package is None:
        raise RuntimeError(f"run the setup cell first: start(...) creates the {PACKAGE} package")
    for name in layers:
        qualified = f"{PACKAGE}.{name}"
        installed = sys.modules.get(qualified)
        while isinstance(below := getattr(installed, "__course_installed__", None), ModuleType):
            installed = below  # the cell ran again: grow the module the setup installed
        module = _notebook_module(
            qualified, namespace, installed, importlib.import_module(f"lending_reference.{name}")
        )
        module.__course_installed__ = installed  # type: ignore[attr-defined]  # a marker: ModuleType declares none
        _install(package, name, module)
    if "models" in layers:
        _models_may_run_again()
    print("Importable from this notebook:", ", ".join(f"{PACKAGE}.{name}" for name in layers))


def _models_may_run_again() -> None:
    """In IPython, a model cell of the notebook can run again (``helpers.model_cells``)."""
    from IPython import get_ipython

    from helpers.model_cells import replace_tables_when_run_again

    shell = get_ipython()
    if shell is not None:
        replace_tables_when_run_again(shell)


def _notebook_module(
    qualified: str, namespace: dict[str, object], *fallbacks: ModuleType | None
) -> ModuleType:
    module = ModuleType(qualified, "Names defined by the notebook's cells, looked up at import.")

    def find(name: str) -> object:
        if not name.startswith("__"):
            if name in namespace:
                return namespace[name]
            for fallback in fallbacks:
                if fallback is not None and hasattr(fallback, name):
                    return getattr(fallback, name)
        raise AttributeError(f"{name} is not defined in this notebook (yet)")

    module.__dict__["__getattr__"] = find  # PEP 562: consulted for every missing name
    return module
