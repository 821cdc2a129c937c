"""Keep the grading machinery as trusted code left it, around every trusted cell.

Answer cells may change anything in the kernel. Before the first trusted cell
(setup, worked example) after an answer, and before every test, the guard puts
back what trusted code established (snapshotted after each trusted cell, never
after an answer):

- IPython's execution pipeline: input and AST transformers, event callbacks,
  custom exception handlers, prefilters, magics, display machinery, the
  kernel's message handlers, and any instance attribute shadowing a method;
- ``builtins`` and the ``sys`` hooks (streams, display and exception hooks);
- the functions and classes of the trusted modules (IPython, ipykernel,
  jupyter_client, traitlets, zmq, pydantic, the course's ``helpers`` and the
  standard library): no function may be replaced, and none may come from a
  notebook cell. ``helpers`` modules are additionally read-only. The list is
  declared in :data:`PROTECTED_PACKAGES`; the reference service
  (``lending_reference``, restored as ``lending.*``) is deliberately not on it:
  it is course code that a test may monkeypatch, graded or not;
- names that trusted cells bound to grader objects (``from helpers import ...``).

After each *graded* cell it checks the same things again: any difference means
code called by the test changed the grader while the test ran, and the cell
fails; so does a name the test imported from a trusted module that no longer
refers to it once the test has run to its end. A test reads the built-in names
(``ValueError``, ``isinstance``, ``id``, ...) that an answer rebound from
``builtins`` itself (:meth:`Guard.shadowed`).
"""

from __future__ import annotations

import ast
import builtins
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from coursetools.grading.kernel.snapshot import (
    MISSING,
    Namespace,
    Place,
    Watch,
    get,
    is_code_like,
)

# The grading machinery and what it runs on; never the service the learner builds.
PROTECTED_PACKAGES = frozenset(
    {
        "IPython",
        "ipykernel",
        "jupyter_client",
        "traitlets",
        "comm",
        "zmq",
        "pydantic",
        "pydantic_core",
        "helpers",
        "coursetools",
    }
)
SEALED_PACKAGES = frozenset({"helpers"})
SYS_HOOKS = (
    "stdout",
    "stderr",
    "stdin",
    "displayhook",
    "excepthook",
    "breakpointhook",
    "unraisablehook",
)
SHELL_PLACES = (
    "input_transformer_manager.cleanup_transforms",
    "input_transformer_manager.line_transforms",
    "input_transformer_manager.token_transformers",
    "input_transformers_post",
    "ast_transformers",
    "events.callbacks",
    "prefilter_manager._transformers",
    "prefilter_manager._checkers",
    "prefilter_manager._handlers",
    "prefilter_manager._esc_handlers",
    "magics_manager.magics",
    "display_formatter.formatters",
    "kernel.shell_handlers",
    "kernel.control_handlers",
    "custom_exceptions",
    "CustomTB",
    "ast_node_interactivity",
    "autocall",
    "autoawait",
    "loop_runner",
    "compile",
    "displayhook",
    "display_pub",
    "display_formatter",
    "InteractiveTB",
    "SyntaxTB",
    "input_transformer_manager",
    "prefilter_manager",
    "magics_manager",
    "events",
    "history_manager",
    "payload_manager",
    "builtin_trap",
    "display_trap",
    "kernel",
    "kernel.session",
    "kernel.iopub_socket",
    "kernel.shell",
    "__class__",
    "kernel.__class__",
)
METHOD_OWNERS = (
    "",
    "kernel",
    "kernel.session",
    "compile",
    "displayhook",
    "display_pub",
    "events",
    "input_transformer_manager",
    "prefilter_manager",
    "history_manager",
    "display_formatter",
    "InteractiveTB",
    "payload_manager",
)


class SealedModule(types.ModuleType):
    """A module whose attributes cannot be set or deleted (``helpers`` while grading)."""

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"module {self.__name__!r} is read-only while grading")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self.__name__!r} is read-only while grading")


def _top(name: str) -> str:
    return name.partition(".")[0]


def _split(path: str) -> tuple[str, str]:
    owner, _, attr = path.rpartition(".")
    return owner, attr


def _resolve(root: object, path: str) -> object:
    value = root
    for part in filter(None, path.split(".")):
        value = get(value, part)
        if value is MISSING:
            return MISSING
    return value


def _protected_name(name: str, stdlib: frozenset[str]) -> bool:
    top = _top(name)
    return top in PROTECTED_PACKAGES or (top in stdlib and top != "__main__")


def _namespaces(name: str, module: types.ModuleType) -> Iterator[tuple[str, object]]:
    """A protected module's namespaces: its own, and its classes'."""
    yield name, module
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == name:
            yield f"{name}.{value.__qualname__}", value


_presealed: dict[str, Namespace] = {}
_presealed_files: set[str] = set()


def preseal() -> None:
    """Snapshot the protected modules loaded now (in the zygote, before it forks kernels).

    Taking these snapshots was most of a kernel's seal. A kernel seals before
    its first cell runs; it adopts a presealed snapshot only if taking it
    again would give the same one (:meth:`Namespace.current`), and none if
    any of their functions comes from what the kernel counts as a cell file.
    """
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or not _protected_name(
            name, sys.stdlib_module_names
        ):
            continue
        for label, owner in _namespaces(name, module):
            found = _presealed.get(label)
            if found is None or found.owner is not owner or not found.current():
                snapshot = Namespace.take(label, owner, lambda filename: False)
                _presealed[label] = snapshot
                _presealed_files.update(snapshot.files())


class Guard:
    """Protects the grader's state in one kernel; see the module docstring."""

    def __init__(self, shell: Any, cell_file: Callable[[object], bool]) -> None:
        self.shell = shell
        self.cell_file = cell_file
        self._stdlib = frozenset(sys.stdlib_module_names)  # kept: an answer may rebind sys's
        self._sealed: list[Place | Namespace] = []
        self._watch = Watch()  # most of ``_sealed``, checked in one pass
        self._unwatched: list[Place | Namespace] = []  # the rest of ``_sealed``
        self._pipeline: list[Place] = []
        self._overrides: dict[str, tuple[object, frozenset[str]]] = {}
        self._bindings: dict[str, Place] = {}
        self._trusted_shadows: dict[str, object] = {}
        self._before: dict[str, object] = {}
        self._dirty = False  # an answer cell ran since the grader last restored

    # -- what is protected -------------------------------------------------

    def _protected_module(self, name: str) -> bool:
        return _protected_name(name, self._stdlib)

    def _protected_object(self, value: object) -> bool:
        if isinstance(value, types.ModuleType):
            return self._protected_module(value.__name__)
        module = getattr(value, "__module__", None)
        return is_code_like(value) and isinstance(module, str) and self._protected_module(module)

    def seal(self) -> None:
        """Remember builtins, sys hooks and trusted modules; make ``helpers`` read-only."""
        self._seal(Namespace.take("builtins", builtins, self.cell_file))
        for hook in SYS_HOOKS:
            self._seal(Place.take(f"sys.{hook}", sys, hook))
        self._seen: set[str] = set()  # sys.modules names adopted or not protected
        if any(self.cell_file(filename) for filename in _presealed_files):
            _presealed.clear()
        self._adopt_modules()
        _presealed.clear()
        _presealed_files.clear()
        self._take_pipeline()

    def _adopt_modules(self) -> None:
        """Protect trusted modules not protected yet (imported since the last call).

        Runs after every trusted cell: only names not looked at before are looked at
        (a protected name bound to something other than a module is looked at again).
        """
        new = sys.modules.keys() - self._seen
        if not new:
            return
        for name, module in [item for item in list(sys.modules.items()) if item[0] in new]:
            if not self._protected_module(name):
                self._seen.add(name)
                continue
            if not isinstance(module, types.ModuleType):
                continue
            self._seen.add(name)
            self._seal(Place.take(f"sys.modules[{name!r}]", sys.modules, name))
            for label, owner in _namespaces(name, module):
                ready = _presealed.get(label)
                if ready is None or ready.owner is not owner or not ready.current():
                    ready = Namespace.take(label, owner, self.cell_file)
                self._seal(ready)
            if _top(name) in SEALED_PACKAGES and type(module) is types.ModuleType:
                module.__class__ = SealedModule

    def _seal(self, item: Place | Namespace) -> None:
        self._sealed.append(item)
        if not self._watch.add(item):
            self._unwatched.append(item)

    def before_answer(self) -> None:
        """An answer cell is about to run: the next trusted cell starts by restoring."""
        self._dirty = True

    def _take_pipeline(self) -> None:
        """Remember the execution pipeline as trusted code left it.

        Most trusted cells leave it as it was: checking it costs a quarter of taking it
        (``magics_manager.magics`` alone holds hundreds of entries)."""
        shell = self.shell
        if not self._pipeline_current():
            self._pipeline = self._pipeline_places()
        self._overrides = {
            path: (owner, frozenset(vars(owner)))
            for path in METHOD_OWNERS
            for owner in [_resolve(shell, path)]
            if owner is not MISSING and hasattr(owner, "__dict__")
        }

    def _pipeline_current(self) -> bool:
        """Whether taking the pipeline again would give the same places and objects."""
        return (
            bool(self._pipeline)
            and self._pipeline[-1].owner is self.shell.user_ns
            and not any(place.changed() for place in self._pipeline)
        )

    def _pipeline_places(self) -> list[Place]:
        shell = self.shell
        pipeline = [
            Place.take(f"shell.{path}", _resolve(shell, owner), attr)
            for path in SHELL_PLACES
            for owner, attr in [_split(path)]
            if _resolve(shell, owner) is not MISSING
        ]
        pipeline.append(Place.take("user namespace __builtins__", shell.user_ns, "__builtins__"))
        return pipeline

    # -- around trusted cells ----------------------------------------------

    def before_trusted(self, graded: bool) -> list[str]:
        """Restore everything; returns what had been changed (by answer cells).

        Between two trusted cells nothing untrusted ran, so only a graded cell
        or the first trusted cell after an answer pays for the full check.
        """
        changed: list[str] = []
        if graded or self._dirty:
            changed, items = self._differences()
            self._restore(items)
            self._dirty = False
        self._before = dict(self.shell.user_ns)
        return changed

    def after_trusted(self, graded: bool) -> None:
        """Adopt what a trusted cell set up: its imports of grader objects and, unless it
        was a test (which runs student code), the built-in names it rebound."""
        ns = self.shell.user_ns
        for name, value in ns.items():
            if self._before.get(name, MISSING) is value:
                continue
            if self._protected_object(value):
                self._bindings[name] = Place.take(f"the name {name!r}", ns, name)
            if name in vars(builtins) and not graded:
                self._trusted_shadows[name] = value
        self._before = {}
        self._adopt_modules()
        self._take_pipeline()

    def after_graded(self, tree: ast.Module, completed: bool) -> list[str]:
        """Violations: what changed while a graded cell ran (then restored).

        A test's imports are checked only if it ran to its end: one that failed
        before an import never bound the name, which is a failing test, not a
        rebinding.
        """
        changed, items = self._differences()
        violations = [f"changed while the test ran: {label}" for label in changed]
        if completed:
            violations += self._import_violations(tree)
        self._restore(items)
        return list(dict.fromkeys(violations))

    def shadowed(self, tree: ast.Module) -> set[str]:
        """Built-in names the test reads (and does not bind) that an answer rebound.

        The test is compiled to read them from ``builtins`` (see ``instrument``),
        so an answer's ``id = book.id`` neither breaks a test that calls ``id()``
        nor lets ``ValueError = BaseException`` change what a test catches.
        """
        ns = self.shell.user_ns
        found = set()
        for name in _loaded_not_bound(tree):
            if name not in vars(builtins) or name not in ns:
                continue
            value = ns[name]
            if value is vars(builtins)[name] or self._trusted_shadows.get(name, MISSING) is value:
                continue
            found.add(name)
        return found

    def _import_violations(self, tree: ast.Module) -> list[str]:
        ns = self.shell.user_ns
        found = []
        for module_name, attr, bound in _imports(tree):
            module = sys.modules.get(module_name)
            if module is None or not self._protected_module(module_name):
                continue
            expected = module if attr is None else getattr(module, attr, MISSING)
            if expected is not MISSING and ns.get(bound, MISSING) is not expected:
                found.append(f"the test's import {bound!r} was rebound while the test ran")
        return found

    # -- mechanics ----------------------------------------------------------

    def _differences(self) -> tuple[list[str], list[Place | Namespace]]:
        """Labels of what differs from the snapshots, and the snapshots to restore."""
        found: list[str] = []
        items: list[Place | Namespace] = []
        checked = {*self._unwatched, *self._watch.suspects()}
        sealed = [item for item in self._sealed if item in checked]
        for item in [*sealed, *self._pipeline, *self._bindings.values()]:
            if isinstance(item, Namespace):
                labels = item.changed(self.cell_file)
            else:
                labels = [item.label] if item.changed() else []
            if labels:
                found += labels
                items.append(item)
        found += [f"{path or 'shell'}.{name}" for path, name in self._method_overrides()]
        for name in _runtime_names():
            if name in self.shell.user_ns:
                found.append(f"the name {name!r}")
        return found, items

    def _restore(self, items: list[Place | Namespace]) -> None:
        for path, name in list(self._method_overrides()):
            owner = self._overrides[path][0]
            object.__delattr__(owner, name)
        for item in items:
            if isinstance(item, Namespace):
                item.restore(self.cell_file)
            else:
                item.restore()
        for name in _runtime_names():
            self.shell.user_ns.pop(name, None)

    def _method_overrides(self) -> Iterable[tuple[str, str]]:
        for path, (owner, baseline) in self._overrides.items():
            for name, value in list(vars(owner).items()):
                if name not in baseline and callable(value) and hasattr(type(owner), name):
                    yield path, name


def _runtime_names() -> tuple[str, ...]:
    from coursetools.grading.kernel.runtime import NAMES

    return NAMES


def _loaded_not_bound(tree: ast.AST) -> set[str]:
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound


def _imports(tree: ast.Module) -> Iterable[tuple[str, str | None, str]]:
    """``(module, attribute or None, bound name)`` for each top-level import in ``tree``
    (those that ran if the test ran to its end)."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    yield node.module, alias.name, alias.asname or alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    yield alias.name, None, alias.asname
                else:
                    yield _top(alias.name), None, _top(alias.name)
