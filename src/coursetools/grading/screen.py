"""Static screening of answer cells for grader-tampering capabilities.

One layer of several (the kernel's guard, audit hook and sandbox do not rely on
it): an answer that uses a capability no exercise of the course needs and that
can change how the grader runs or judges tests is *not run*; its exercise
scores 0 and the feedback says why. The rules name capabilities, not attacks:

- IPython and kernel internals (``get_ipython`` except for the magics and shell
  escapes listed in :data:`ALLOWED_MAGICS`, ``In``/``Out``, ``%config``, ...);
- dynamic code and namespaces (``eval``, ``exec``, ``compile``, ``__import__``,
  ``globals``, ``vars``, ``importlib``, ``__builtins__``);
- introspection of frames, closures, code, subclasses and the garbage
  collector, ``ctypes``, tracing, audit hooks, signals, killing processes and
  ``os._exit``;
- changing what other code relies on: setting or deleting attributes of
  imported modules or objects (monkeypatching), rebinding built-in exception
  classes and the functions tests judge with, ``sys.modules``/``builtins``,
  declaring ``global`` a name the notebook's tests use;
- mentioning the grading environment (``NBGRADER_EXECUTION``, the gradebook,
  other submissions).
"""

from __future__ import annotations

import ast
import builtins
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager

ALLOWED_MAGICS = frozenset({"time", "timeit", "writefile", "capture", "env", "pwd", "ls"})
IPYTHON_NAMES = frozenset({"get_ipython", "In", "Out", "_ih", "_oh", "_dh", "_ii", "_iii"})
DYNAMIC_NAMES = frozenset(
    {"eval", "exec", "compile", "__import__", "globals", "vars", "locals", "breakpoint"}
)
DUNDER_NAMES = frozenset({"__builtins__", "__builtin__", "__loader__", "__spec__"})
FORBIDDEN_MODULES = frozenset(
    {
        "IPython",
        "ipykernel",
        "jupyter_client",
        "zmq",
        "traitlets",
        "comm",
        "ctypes",
        "_ctypes",
        "cffi",
        "gc",
        "inspect",
        "importlib",
        "imp",
        "pkgutil",
        "runpy",
        "code",
        "codeop",
        "builtins",
        "__main__",
        "marshal",
        "faulthandler",
        "signal",
        "_thread",
        "coursetools",
        "nbgrader",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "__globals__",
        "__builtins__",
        "__code__",
        "__closure__",
        "__subclasses__",
        "__bases__",
        "__base__",
        "__mro__",
        "__self__",
        "__func__",
        "__dict__",
        "__getattribute__",
        "__setattr__",
        "__delattr__",
        "__import__",
        "__loader__",
        "__spec__",
        "__reduce__",
        "__reduce_ex__",
        "__defaults__",
        "__kwdefaults__",
        "__traceback__",
        "__wrapped__",
        "f_locals",
        "f_globals",
        "f_back",
        "f_code",
        "f_builtins",
        "tb_frame",
        "tb_next",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "get_stack",
        "print_stack",
        "settrace",
        "setprofile",
        "_exit",
        "input_transformers_cleanup",
        "input_transformers_post",
        "ast_transformers",
    }
)
FORBIDDEN_DOTTED = frozenset(
    {
        "os._exit",
        "os.abort",
        "os.kill",
        "os.killpg",
        "os.fork",
        "os.forkpty",
        "os.setsid",
        "os.setpgid",
        "os.setuid",
        "os.setgid",
        "sys.modules",
        "sys._getframe",
        "sys._current_frames",
        "sys.addaudithook",
        "sys.meta_path",
        "sys.path_hooks",
        "sys.excepthook",
        "sys.displayhook",
        "threading.excepthook",
        "types.FunctionType",
        "types.CodeType",
        "types.ModuleType",
        "types.MethodType",
        "asyncio.all_tasks",
        "asyncio.current_task",
        "operator.attrgetter",
        "operator.methodcaller",
    }
)
STORE_ONLY_ATTRIBUTES = frozenset({"__class__", "__module__", "__qualname__", "__name__"})
JUDGING_BUILTINS = frozenset(
    {
        "isinstance",
        "issubclass",
        "type",
        "len",
        "repr",
        "str",
        "int",
        "float",
        "bool",
        "all",
        "any",
        "getattr",
        "hasattr",
        "callable",
        "print",
        "object",
        "super",
        "id",
        "hash",
        "sorted",
        "set",
        "list",
        "dict",
        "tuple",
    }
)
EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
SUSPICIOUS_TEXT = re.compile(
    r"NBGRADER|gradebook|autograded|submitted/|ipykernel|/proc/|"
    + "|".join(re.escape(name) for name in sorted(FORBIDDEN_ATTRIBUTES) if name.startswith("__")),
    re.IGNORECASE,
)
_MAGIC_CALL = re.compile(r"^get_ipython\(\)\.(run_line_magic|run_cell_magic|system|getoutput)$")


@dataclass(frozen=True)
class Verdict:
    """The screen's reasons for not running an answer (empty: run it)."""

    reasons: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def message(self) -> str:
        return "; ".join(self.reasons)


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def imported_names(tree: ast.AST) -> dict[str, str]:
    """``{bound name: dotted name}`` for the import statements in ``tree``."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _bound_at_top(tree: ast.Module) -> Iterable[str]:
    for node in tree.body:
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
            targets = [node.target]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Import | ast.ImportFrom):
            yield from (a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.With | ast.AsyncWith):
            targets = [item.optional_vars for item in node.items if item.optional_vars]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    yield sub.id
    for found in ast.walk(tree):
        if isinstance(found, ast.NamedExpr):
            yield found.target.id


class _Screen(ast.NodeVisitor):
    def __init__(self, imported: dict[str, str], test_names: set[str]) -> None:
        self.imported = imported
        self.test_names = test_names
        self.reasons: list[str] = []

    def flag(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        if _MAGIC_CALL.match(name) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("run_line_magic", "run_cell_magic"):
                magic: object = (
                    node.args[0].value
                    if node.args and isinstance(node.args[0], ast.Constant)
                    else "?"
                )
                if magic not in ALLOWED_MAGICS:
                    self.flag(f"uses the IPython magic %{magic}")
            for arg in node.args[1:]:
                self.visit(arg)
            return
        if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in self.imported:
            self.flag(f"uses {name}() on the imported {_root(node.args[0])!r}")
        self.generic_visit(node)

    def _resolved(self, node: ast.AST) -> str:
        """The dotted name of ``node`` with import aliases replaced by what they import."""
        dotted = _dotted(node)
        head, _, rest = dotted.partition(".")
        if head in self.imported:
            return self.imported[head] + ("." + rest if rest else "")
        return dotted

    def _check_dotted(self, node: ast.AST) -> None:
        resolved = self._resolved(node)
        for forbidden in FORBIDDEN_DOTTED:
            if resolved == forbidden or resolved.startswith(forbidden + "."):
                self.flag(f"uses {forbidden}")
        if resolved.startswith(("signal.", "faulthandler.", "ctypes.", "gc.", "inspect.")):
            self.flag(f"uses {resolved}")

    def visit_Name(self, node: ast.Name) -> None:
        self._check_dotted(node)
        if node.id in IPYTHON_NAMES or re.fullmatch(r"_i\d+|_\d+", node.id):
            self.flag(f"uses IPython's internals ({node.id})")
        elif node.id in DYNAMIC_NAMES:
            self.flag(f"uses {node.id}()")
        elif node.id in DUNDER_NAMES:
            self.flag(f"uses {node.id}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_dotted(node)
        if node.attr in FORBIDDEN_ATTRIBUTES:
            self.flag(f"uses {_dotted(node) or node.attr}")
        if isinstance(node.ctx, ast.Store | ast.Del):
            if node.attr in STORE_ONLY_ATTRIBUTES:
                self.flag(f"changes {node.attr}")
            root = _root(node)
            if root in self.imported:
                self.flag(f"changes {_dotted(node)} of the imported {root!r} (monkeypatching)")
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.partition(".")[0] in FORBIDDEN_MODULES:
                self.flag(f"imports {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.partition(".")[0] in FORBIDDEN_MODULES:
            self.flag(f"imports from {module}")
        for alias in node.names:
            dotted = f"{module}.{alias.name}"
            if dotted in FORBIDDEN_DOTTED or alias.name in FORBIDDEN_ATTRIBUTES:
                self.flag(f"imports {dotted}")

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in self.test_names:
                self.flag(f"declares global {name!r}, a name the tests use")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and SUSPICIOUS_TEXT.search(node.value):
            self.flag(f"mentions {SUSPICIOUS_TEXT.search(node.value).group(0)!r}")  # type: ignore[union-attr]


def transformed(source: str) -> str:
    """The cell as Python, with IPython's magics and shell escapes expanded."""
    return TransformerManager().transform_cell(source)


# CPython 3.11 releases without the fix for gh-106905 (3.11.7, CI's Python, is one) keep
# the AST constructor's recursion depth in state that every thread shares: two threads
# parsing at once can raise "SystemError: AST constructor recursion depth mismatch". The
# class grader prepares notebooks in threads.
_PARSING = threading.Lock()


def parse(source: str) -> ast.Module:
    """Parse a cell as Python (magics expanded), one thread at a time."""
    python = transformed(source)
    with _PARSING:
        return ast.parse(python)


def screen(source: str, imported: dict[str, str], test_names: set[str]) -> Verdict:
    """Screen one answer cell. ``imported``: names imported anywhere in the notebook
    (trusted cells and answers); ``test_names``: names the notebook's tests use."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return Verdict(())  # it fails on its own when it runs
    checker = _Screen({**imported, **imported_names(tree)}, test_names)
    checker.visit(tree)
    for name in _bound_at_top(tree):
        if name in EXCEPTIONS or name in JUDGING_BUILTINS:
            checker.flag(f"rebinds the built-in name {name!r}")
    return Verdict(tuple(checker.reasons))


def names_in(source: str) -> set[str]:
    """Every identifier used in ``source`` (for the tests' names)."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(imported_names(tree))
