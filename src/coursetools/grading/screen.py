"""Static screening of answer cells: what to refuse, and what to show the instructor.

The runtime layers (sandbox, audit hook, the kernel's guard, rig-proof tests)
hold on their own against every attack the course knows, so the screen refuses
to run only one family of code: code that reaches into the IPython shell that
runs the tests (its execution pipeline, its machinery, ``%config``). No honest
answer needs the shell object, and the screen is the only layer that stops such
code *before* it runs. Everything else the screen notices (frames, ``eval``,
the kernel's input history, killing processes, monkeypatching the course's
helpers, ...) is a :class:`Finding`: the answer runs under the runtime
defences, keeps every mark it earns, and the finding is listed for the
instructor in neutral words. Plain idioms (standard-library helpers, built-ins,
``inspect``, ``importlib.metadata``, a variable named ``id`` or ``hash``, any
words in comments and strings) are neither.
"""

from __future__ import annotations

import ast
import builtins
import enum
import re
import threading
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager


class Capability(enum.Enum):
    """What a finding is about; ``refused`` capabilities are not run."""

    SHELL = ("reaches into the IPython shell that runs the tests", True)
    GRADER = ("imports the grading machinery", True)
    DYNAMIC = ("runs code built at run time", False)
    HISTORY = ("reads the kernel's input or output history", False)
    INTROSPECTION = ("inspects frames, code objects or the garbage collector", False)
    PROCESS = ("ends or signals processes", False)
    INTERPRETER = ("changes interpreter-wide state", False)
    PATCHES_GRADER = ("changes a module the grader relies on", False)
    GLOBAL_TEST_NAME = ("declares global a name the tests use", False)
    SHADOWS_BUILTIN = ("defines a name that shadows a built-in exception or check", False)
    MENTIONS_GRADER = ("mentions the grading environment", False)

    def __init__(self, words: str, refused: bool) -> None:
        self.words = words
        self.refused = refused


@dataclass(frozen=True)
class Finding:
    """One thing the screen noticed in an answer: its capability and where it showed."""

    capability: Capability
    detail: str

    def __str__(self) -> str:
        return f"{self.capability.words} ({self.detail})"


@dataclass(frozen=True)
class Verdict:
    """Everything the screen noticed in one answer cell."""

    findings: tuple[Finding, ...] = ()

    @property
    def refused(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.capability.refused)

    @property
    def allowed(self) -> bool:
        return not self.refused

    @property
    def flags(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.capability.refused)


def summary(findings: tuple[Finding, ...]) -> list[str]:
    """One line for people per capability: its words and where it showed."""
    details: dict[Capability, list[str]] = {}
    for finding in findings:
        details.setdefault(finding.capability, []).append(finding.detail)
    return [f"{capability.words} ({', '.join(found)})" for capability, found in details.items()]


# -- refused: the shell that runs the tests --------------------------------------
SHELL_CALLS = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput"})
REFUSED_MAGICS = frozenset(
    {"config", "load_ext", "reload_ext", "unload_ext", "alias_magic", "autoawait", "autocall"}
)
PIPELINE_ATTRIBUTES = frozenset(
    {
        "input_transformers_cleanup",
        "input_transformers_post",
        "input_transformer_manager",
        "ast_transformers",
        "set_custom_exc",
        "custom_exceptions",
        "showtraceback",
        "run_code",
        "run_cell",
        "run_cell_async",
        "run_ast_nodes",
        "prefilter_manager",
        "magics_manager",
        "register_magic_function",
        "shell_handlers",
        "control_handlers",
    }
)
SHELL_MODULES = ("IPython.core.interactiveshell", "IPython.core.events", "ipykernel")
GRADER_MODULES = frozenset({"coursetools", "nbgrader"})

# -- flagged: run under the runtime defences, listed for the instructor ----------
DYNAMIC_CALLS = frozenset({"eval", "exec", "compile", "__import__"})
HISTORY_NAMES = frozenset({"In", "Out", "_ih", "_oh", "_ii", "_iii", "_dh"})
INTROSPECTION_ATTRIBUTES = frozenset(
    {
        "__globals__",
        "__builtins__",
        "__code__",
        "__closure__",
        "__subclasses__",
        "f_locals",
        "f_globals",
        "f_back",
        "f_builtins",
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
    }
)
INTROSPECTION_DOTTED = (
    "sys._getframe",
    "sys._current_frames",
    "sys.settrace",
    "sys.setprofile",
    "inspect.currentframe",
    "inspect.stack",
    "inspect.trace",
    "inspect.getouterframes",
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "ctypes",
    "_ctypes",
    "cffi",
)
PROCESS_DOTTED = (
    "os._exit",
    "os.abort",
    "os.kill",
    "os.killpg",
    "os.fork",
    "os.forkpty",
    "os.setsid",
    "signal.signal",
    "signal.pthread_kill",
    "faulthandler._sigsegv",
    "faulthandler._sigabrt",
    "faulthandler._fatal_error",
)
INTERPRETER_STORES = (
    "sys.modules",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.excepthook",
    "sys.displayhook",
    "sys.stdout",
    "sys.stderr",
    "builtins",
)
INTERPRETER_CALLS = ("sys.addaudithook",)
# Modules whose attributes the guard restores or seals: changing them from an
# answer is harmless to the grade, and worth a look.
GRADER_RELIED_ON = frozenset({"helpers", "IPython", "pydantic", "pydantic_core"})
SHADOWED = frozenset(
    {"isinstance", "issubclass"}
    | {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
)
MENTIONS = re.compile(r"NBGRADER_|__grader_|/proc/\w+/(mem|environ|cmdline)")


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


def _matches(resolved: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if resolved == prefix or resolved.startswith(prefix + "."):
            return prefix
    return None


def _top_level_bindings(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {a.asname or a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


class _Screen(ast.NodeVisitor):
    def __init__(self, imported: dict[str, str], test_names: set[str], bound: set[str]) -> None:
        self.imported = imported
        self.test_names = test_names
        self.bound = bound  # names the answer binds itself (``In = ...`` is not history)
        self.shells: set[str] = {"get_ipython()"}
        self.findings: list[Finding] = []

    def note(self, capability: Capability, detail: str) -> None:
        finding = Finding(capability, detail)
        if finding not in self.findings:
            self.findings.append(finding)

    def _resolved(self, node: ast.AST) -> str:
        """The dotted name of ``node`` with import aliases replaced by what they import."""
        dotted = _dotted(node)
        head, _, rest = dotted.partition(".")
        if head in self.imported:
            return self.imported[head] + ("." + rest if rest else "")
        return dotted

    def visit_Assign(self, node: ast.Assign) -> None:
        if _dotted(node.value) in self.shells or (
            isinstance(node.value, ast.Call) and _dotted(node.value.func) == "get_ipython"
        ):
            self.shells |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        owner, _, attr = name.rpartition(".")
        if owner in self.shells and attr in ("run_line_magic", "run_cell_magic"):
            first = node.args[0] if node.args else None
            magic = first.value if isinstance(first, ast.Constant) else "?"
            if magic in REFUSED_MAGICS or magic == "?":
                self.note(Capability.SHELL, f"the magic %{magic}")
        resolved = self._resolved(node.func)
        if resolved in DYNAMIC_CALLS or resolved.rpartition(".")[2] == "__import__":
            self.note(Capability.DYNAMIC, resolved)
        if _matches(resolved, INTERPRETER_CALLS):
            self.note(Capability.INTERPRETER, resolved)
        if name in ("setattr", "delattr") and node.args:
            self._store(node.args[0], f"{name}()")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = _dotted(node.value)
        if owner in self.shells and node.attr not in SHELL_CALLS:
            self.note(Capability.SHELL, f"{owner}.{node.attr}")
        if node.attr in PIPELINE_ATTRIBUTES:
            self.note(Capability.SHELL, node.attr)
        if node.attr in INTROSPECTION_ATTRIBUTES:
            self.note(Capability.INTROSPECTION, node.attr)
        if isinstance(node.ctx, ast.Store | ast.Del):
            if node.attr == "__class__":
                self.note(Capability.INTERPRETER, "assigns __class__")
            self._store(node, "assignment")
        self._dotted_uses(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._store(node.value, "item assignment")
        self.generic_visit(node)

    def _store(self, target: ast.AST, how: str) -> None:
        resolved = self._resolved(target)
        if found := _matches(resolved, INTERPRETER_STORES):
            self.note(Capability.INTERPRETER, f"{how} to {found}")
        elif (root := _root(target)) in self.imported:
            top = self.imported[root].partition(".")[0]
            if top in GRADER_RELIED_ON:
                self.note(Capability.PATCHES_GRADER, f"{how} to {resolved}")

    def _dotted_uses(self, node: ast.AST) -> None:
        resolved = self._resolved(node)
        if found := _matches(resolved, INTROSPECTION_DOTTED):
            self.note(Capability.INTROSPECTION, found)
        if found := _matches(resolved, PROCESS_DOTTED):
            self.note(Capability.PROCESS, found)

    def visit_Name(self, node: ast.Name) -> None:
        self._dotted_uses(node)
        if isinstance(node.ctx, ast.Load) and node.id not in self.bound:
            if node.id in HISTORY_NAMES or re.fullmatch(r"_i\d+|_\d+", node.id):
                self.note(Capability.HISTORY, node.id)
            elif node.id == "__builtins__":
                self.note(Capability.INTERPRETER, node.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(module)
        for alias in node.names:
            self._module(f"{module}.{alias.name}")

    def _module(self, dotted: str) -> None:
        top = dotted.partition(".")[0]
        if top in GRADER_MODULES:
            self.note(Capability.GRADER, dotted)
        elif _matches(dotted, SHELL_MODULES):
            self.note(Capability.SHELL, f"imports {dotted}")
        elif found := _matches(dotted, INTROSPECTION_DOTTED):
            self.note(Capability.INTROSPECTION, found)
        elif found := _matches(dotted, PROCESS_DOTTED):
            self.note(Capability.PROCESS, found)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in self.test_names:
                self.note(Capability.GLOBAL_TEST_NAME, name)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and (found := MENTIONS.search(node.value)):
            self.note(Capability.MENTIONS_GRADER, found.group(0))


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
        return Verdict()  # it fails on its own when it runs
    bound = _top_level_bindings(tree)
    checker = _Screen({**imported, **imported_names(tree)}, test_names, bound)
    checker.visit(tree)
    for name in sorted(bound & SHADOWED):
        checker.note(Capability.SHADOWS_BUILTIN, name)
    return Verdict(tuple(checker.findings))


def names_in(source: str) -> set[str]:
    """Every identifier used in ``source`` (for the tests' names)."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(imported_names(tree))
