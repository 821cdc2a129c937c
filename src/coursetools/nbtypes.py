"""The solution notebooks' code under ``mypy --strict``, checked the way it runs.

Two views of the notebooks are checked together, in one mypy run:

- the learner's package: every ``# workspace:`` cell of every notebook, saved in
  syllabus order by :class:`helpers.workspace.Workspace`, so mypy sees the very
  ``lending/*.py`` modules (and the learner's ``tests/``) a learner who solved
  everything has;
- each notebook as one module: all its code cells in order, as IPython runs them.
  IPython turns magics into calls (its own input transformer does it here too) and
  runs a cell holding top-level ``await`` as a coroutine in the notebook's globals.
  mypy accepts a top-level ``await`` once its ``top-level-await`` code is off; an
  ``async with`` outside a function it calls a syntax error, so each one becomes
  what it does, with its body left at top level (names bound there stay global, as in
  IPython)::

      async with factory() as session:      _cm_1 = factory(); session = await _cm_1.__aenter__()
          body                          ->  body

  (``__aexit__`` is not called: it changes no type the cell sees). A name a later
  cell binds again is kept apart as IPython keeps it (``_distinct_definitions``).

The notebooks' ``lending`` is the assembled package, and every error is reported
where it was written: a notebook's cell, or a module of the package. Only the
notebooks' modules get the two IPython allowances (``PRELUDE``'s inline
configuration); the package is checked exactly as ``src/`` is.

The capstone's cells run against the package grown by its own workspace cells
(``grow_from_this_notebook``), so its module is checked in a second mypy run over that
package (:func:`grown_package`); a module of it that the capstone leaves as it was is
reported by the first run only.
"""

from __future__ import annotations

import ast
import enum
import fcntl
import io
import itertools
import os
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from coursetools.layout import ROOT, SOLUTIONS, assignments, notebook_path
from helpers.capstone.assembly import NOTEBOOK as CAPSTONE
from helpers.capstone.assembly import SAVED, assemble_into
from helpers.capstone.fragments import fragments_of
from helpers.capstone.state import REPLACED, WorkspaceState
from helpers.workspace import Fragment, Workspace, split, target_of

# What IPython puts in a notebook's namespace: magics become calls on it.
PRELUDE = (
    "# mypy: allow-redefinition, disable-error-code=top-level-await\n"
    "from collections.abc import Callable\n"
    "from IPython.core.interactiveshell import InteractiveShell\n"
    "get_ipython: Callable[[], InteractiveShell]\n"
)
# The generated modules and their own mypy cache (their module names, ``tests`` among
# them, would collide with the repository's in the default one).
SCRATCH = ROOT / ".mypy_cache" / "notebooks"
SOURCES, CACHE = SCRATCH / "src", SCRATCH / "cache"
# The capstone's package is another ``lending``: its own run, and its own cache.
GROWN_CACHE = SCRATCH / "cache-capstone"
# The learner's package: each module's fragments (one per workspace cell), in order.
Package = dict[str, list[Fragment]]
_ERROR = re.compile(r"^(?P<path>[^:\n]+\.py):(?P<line>\d+):(?P<rest>.*)$")


@dataclass(frozen=True)
class Origin:
    """Where a line of a generated module was written."""

    notebook: str
    cell: int  # the cell's position in the notebook, from 1, markdown included
    grade_id: str | None
    line: int

    def __str__(self) -> str:
        name = f"cell {self.cell}" + (f" ({self.grade_id})" if self.grade_id else "")
        return f"solutions/{self.notebook}/{self.notebook}.ipynb, {name}, line {self.line}"


@dataclass(frozen=True)
class Script:
    """One notebook's code cells as one module, and where each of its lines came from."""

    text: str
    origins: tuple[Origin | None, ...]  # per line of ``text``, from line 1


@dataclass(frozen=True)
class Report:
    """mypy's verdict, its messages pointing at cells and package modules."""

    ok: bool
    text: str


def cell_code(source: str) -> str:
    """A cell's source as IPython runs it: magics as calls, ``async with`` unwrapped."""
    code = TransformerManager().transform_cell(source)
    while (node := _outer_async_with(ast.parse(code))) is not None:
        code = _unwrap(code, node)
    return code


def _outer_async_with(tree: ast.Module) -> ast.AsyncWith | None:
    """The first ``async with`` that no function encloses."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.AsyncWith):
            return node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending[:0] = [child for child in ast.iter_child_nodes(node) if _is_block(child)]
    return None


def _is_block(node: ast.AST) -> bool:
    return isinstance(node, ast.stmt | ast.ExceptHandler | ast.match_case)


def _unwrap(code: str, node: ast.AsyncWith) -> str:
    """``code`` with ``node`` rewritten to awaited ``__aenter__`` calls, lines kept."""
    lines = code.split("\n")
    header_first, body_first = node.lineno - 1, node.body[0].lineno - 1
    indent = " " * node.col_offset
    steps: list[str] = []
    for number, item in enumerate(node.items, start=1):
        manager = f"_cm_{node.lineno}_{number}"
        steps.append(f"{manager} = ({ast.get_source_segment(code, item.context_expr)})")
        entered = f"await {manager}.__aenter__()"
        target = item.optional_vars
        steps.append(f"{ast.get_source_segment(code, target)} = {entered}" if target else entered)
    if body_first == header_first:  # ``async with m as x: statement`` on one line
        inline = "; ".join(ast.get_source_segment(code, s) or "" for s in node.body)
        lines[header_first] = indent + "; ".join([*steps, inline])
        return "\n".join(lines)
    # The steps come from the header's own lines, so they fit in them: padded to the
    # header's line count, they leave the body's lines (and every error in it) in place.
    header = "; ".join(steps).split("\n")
    header += [""] * (body_first - header_first - len(header))
    depth = _indent_of(lines[body_first]) - node.col_offset
    last = (node.end_lineno or node.lineno) - 1
    body = [_dedent(line, depth) for line in lines[body_first : last + 1]]
    lines[header_first:body_first] = [indent + header[0], *header[1:]]
    lines[body_first : last + 1] = body
    return "\n".join(lines)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(line: str, depth: int) -> str:
    return line[min(depth, _indent_of(line)) :]


def notebook_script(notebook: str, path: Path, package: Package) -> Script:
    """Every code cell of ``path`` in order, as one module (see the module docstring)."""
    cells: list[tuple[int, str | None, bool]] = []  # position, grade_id, lines kept
    codes: list[str] = []
    type_variables: set[str] = set()
    for position, cell in enumerate(nbformat.read(path, as_version=4).cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        code = cell_code(_as_checked(cell.source, package, type_variables)).rstrip("\n")
        # a cell magic becomes one line; then every line of it points at the cell's first
        same = code.count("\n") == cell.source.rstrip("\n").count("\n")
        cells.append((position, cell.metadata.get("nbgrader", {}).get("grade_id"), same))
        codes.append(code)
    codes = _distinct_definitions(codes, [position for position, _, _ in cells])
    text = [PRELUDE.rstrip("\n")]
    origins: list[Origin | None] = [None] * PRELUDE.count("\n")
    for (position, grade_id, same), code in zip(cells, codes, strict=True):
        text.append(code)
        origins.extend(
            Origin(notebook, position, grade_id, line if same else 1)
            for line in range(1, code.count("\n") + 2)
        )
    return Script("\n".join(text) + "\n", tuple(origins))


def _distinct_definitions(codes: list[str], positions: list[int]) -> list[str]:
    """Cells with each superseded binding renamed, as IPython keeps the two apart.

    A notebook may define a class, use it, and define it again (a draft, then the real
    thing), or import a later version under the same name. IPython rebinds the name;
    mypy refuses to redefine a class or function, or to import over a variable, in one
    module. So a binding that a later top-level binding of its name replaces is renamed
    ``<name>__cell<N>``, and so is every use of it until that later binding. A variable
    assigned again keeps its name (mypy's allow-redefinition types each value), and so
    does an import.
    """
    bindings: dict[str, list[tuple[int, int, Binding]]] = {}
    for index, code in enumerate(codes):
        for node in ast.parse(code).body:
            for name, kind in _bound(node):
                bindings.setdefault(name, []).append((index, node.lineno, kind))
    renames: list[tuple[str, str, tuple[int, int], tuple[int, int]]] = []
    for name, found in bindings.items():
        # mypy lets a variable take a new type (allow-redefinition), so the assignments
        # before an import of its name are one variable, renamed from the first of them;
        # an import of a name imported before is the same name again
        variable: tuple[int, int] | None = None
        for (index, line, kind), (next_index, next_line, next_kind) in itertools.pairwise(found):
            variable = (variable or (index, line)) if kind is Binding.VARIABLE else None
            begin = variable if next_kind is Binding.IMPORT else None
            if kind is Binding.DEFINITION:
                begin = (index, line)
            if begin is not None:
                new = f"{name}__cell{positions[begin[0]]}"
                renames.append((name, new, begin, (next_index, next_line)))
    result = list(codes)
    for name, new, begin, end in renames:
        for index in range(begin[0], end[0] + 1):
            first = begin[1] if index == begin[0] else 1
            last = end[1] - 1 if index == end[0] else None
            result[index] = _renamed(result[index], name, new, first, last)
    return result


class Binding(enum.Enum):
    """How a top-level statement binds a name."""

    DEFINITION = "class or def"
    IMPORT = "import"
    VARIABLE = "assignment"


def _bound(node: ast.stmt) -> list[tuple[str, Binding]]:
    """The names a top-level statement binds, and how."""
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return [(node.name, Binding.DEFINITION)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [((a.asname or a.name).split(".")[0], Binding.IMPORT) for a in node.names]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif (isinstance(node, ast.AnnAssign) and node.value is not None) or isinstance(node, ast.For):
        targets = [node.target]
    names: list[tuple[str, Binding]] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, ast.Name):
            names.append((target.id, Binding.VARIABLE))
        elif isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
    return names


def _renamed(code: str, name: str, new: str, first: int, last: int | None) -> str:
    """``code`` with the name ``name`` (not an attribute nor a keyword) as ``new``."""
    lines = code.split("\n")
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    depth = 0
    edits: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        row = token.start[0]
        if token.type != tokenize.NAME or token.string != name or row < first:
            continue
        if last is not None and row > last:
            break
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if before == "." or (depth and after == "="):
            continue
        edits.append(token.start)
    for row, column in reversed(edits):
        text = lines[row - 1]
        lines[row - 1] = text[:column] + new + text[column + len(name) :]
    return "\n".join(lines)


def _as_checked(source: str, package: Package, type_variables: set[str]) -> str:
    """A cell's source as the notebook's module holds it, in as many lines.

    - A workspace cell whose definitions the package holds unchanged (however the
      capstone shared its imports out among them) becomes its imports and
      the import of what it defines: its code is checked where it lives, as a module of
      the package, and later cells see its names with the package's types. A cell that
      a later notebook revised stays as it is, checked here.
    - ``T = TypeVar("T")`` once more, word for word, is the same type variable declared
      again so that a cell stands alone (mypy refuses to redefine one): it is left out.
    """
    module = target_of(source)
    if module is not None:
        fragment = split(source)
        if any(
            (held.names, held.body.strip()) == (fragment.names, fragment.body.strip())
            for held in package.get(module, ())
        ):
            dotted = module.removesuffix(".py").replace("/", ".")
            imports = [*fragment.imports, f"from {dotted} import {', '.join(fragment.names)}"]
            text = "; ".join(imports)
            return text + "\n" * (source.rstrip("\n").count("\n") - text.count("\n"))
    lines = source.split("\n")
    for node in ast.parse(source).body:
        if _is_type_variable(node):
            statement = ast.get_source_segment(source, node) or ""
            if statement in type_variables and node.lineno == node.end_lineno:
                lines[node.lineno - 1] = ""
            type_variables.add(statement)
    return "\n".join(lines)


def _is_type_variable(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in {"TypeVar", "ParamSpec", "TypeVarTuple"}
    )


def assemble_package(paths: Iterable[Path], folder: Path) -> Package:
    """The learner's package from the ``# workspace:`` cells of ``paths``, in order.

    Written to ``folder``; returned as each module's fragments (``helpers.workspace``).
    """
    workspace = Workspace(folder)
    _save_cells(workspace, paths)
    return workspace.fragments()


def grown_package(base: Path, capstone: Path, folder: Path) -> Package:
    """The package at ``base`` as the learner running ``capstone`` has it, written to ``folder``.

    Each module of ``base`` is cut one fragment per definition, as the capstone writes a
    layer (``grow_from_this_notebook`` finds a name in the capstone's cells first, then in
    the package: a cell that defines ``get_lending`` leaves ``CatalogueDep`` beside it). The
    capstone's setup assembles that (``helpers.capstone.assemble_into``: the layers that
    notebooks saving no cells built or revised), its cells are saved over the result, and
    assembling again makes a layer they leave lacking a name the reference's, as the
    learner's package outside Jupyter is.
    """
    shutil.copytree(base, folder)
    state = WorkspaceState(folder)
    for module in state.manifest:
        state.manifest[module] = fragments_of((folder / module).read_text("utf-8"))
    state.save()
    assemble_into(folder)
    _save_cells(Workspace(folder), [capstone])
    assemble_into(folder)
    return Workspace(folder).fragments()


def _save_cells(workspace: Workspace, paths: Iterable[Path]) -> None:
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            module = target_of(cell.source) if cell.cell_type == "code" else None
            if module is not None:
                workspace.save(module, cell.source)


def check(cells: Sequence[str] = ()) -> Report:
    """mypy --strict (pyproject's settings) over the learner's package and notebooks' cells.

    The package is assembled from every solution notebook before the capstone, a new one
    included; each notebook named in ``cells`` is checked as a module too, the capstone's
    against the package its own cells grow (:func:`grown_package`).
    """
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with (SCRATCH / "lock").open("w") as lock:
        # one check at a time (make lint beside make test): they share the folder
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _check(cells)


def _check(cells: Sequence[str]) -> Report:
    # The notebooks before the capstone save their cells into the package; the capstone's
    # cells grow it (grown_package), and only the capstone's own module sees them.
    paths = [notebook_path(SOLUTIONS, name) for name in assignments() if name in SAVED]
    # The same folders on every run: mypy's cache keeps a module's messages with its
    # path and replays them while the module is unchanged.
    shutil.rmtree(SOURCES, ignore_errors=True)
    workspace = SOURCES / "workspace"
    package = assemble_package(paths, workspace)
    (SOURCES / "notebooks").mkdir(parents=True)
    runs = [_Run(workspace, package, [name for name in cells if name != CAPSTONE], CACHE)]
    if CAPSTONE in cells:
        grown = SOURCES / "capstone"
        capstone = notebook_path(SOLUTIONS, CAPSTONE)
        runs.append(_Run(grown, grown_package(workspace, capstone, grown), [CAPSTONE], GROWN_CACHE))
    texts: list[str] = []
    ok = True
    for run in runs:
        passed, text = _mypy(run, workspace)
        ok &= passed
        texts += [text] if text else []
    modules = len(_modules(workspace))
    checked = f"{modules} modules of the learner's package and {len(cells)} notebooks' cells"
    if ok:
        return Report(True, f"mypy --strict: no issues in {checked}")
    return Report(False, "\n".join([*texts, f"mypy --strict failed on {checked}"]))


@dataclass(frozen=True)
class _Run:
    """One mypy run: a package folder and the notebooks whose modules import it."""

    workspace: Path
    package: Package
    notebooks: list[str]
    cache: Path


def _mypy(run: _Run, first: Path) -> tuple[bool, str]:
    """mypy over ``run``; its messages located, those about a module of the package that
    is the same file in the ``first`` run's package left out (that run reports them)."""
    modules = [str(path.relative_to(ROOT)) for path in _modules(run.workspace)]
    scripts: dict[str, Script] = {}
    for name in run.notebooks:
        module = SOURCES / "notebooks" / f"notebook_{name.replace('-', '_')}.py"
        script = notebook_script(name, notebook_path(SOLUTIONS, name), run.package)
        scripts[str(module.relative_to(ROOT))] = script
        module.write_text(script.text, encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"),
            *("--no-error-summary", "--cache-dir", str(run.cache.relative_to(ROOT))),
            *modules,
            *scripts,
        ],
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(run.workspace)},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = (done.stdout + done.stderr).splitlines()
    passed = done.returncode == 0
    if run.workspace != first:
        lines = [line for line in lines if not _same_as_in(line, run.workspace, first)]
        passed = passed or not lines
    return passed, "\n".join(_located(line, scripts, run.workspace) for line in lines)


def _modules(workspace: Path) -> list[Path]:
    """The package's files, without those the capstone set aside (``replaced/``)."""
    aside = workspace / REPLACED
    return [path for path in sorted(workspace.rglob("*.py")) if not path.is_relative_to(aside)]


def _same_as_in(line: str, workspace: Path, first: Path) -> bool:
    """Whether ``line`` is a message about a module of ``workspace`` that ``first`` holds
    word for word."""
    match = _ERROR.match(line)
    if match is None or not (ROOT / match["path"]).is_relative_to(workspace):
        return False
    path = ROOT / match["path"]
    twin = first / path.relative_to(workspace)
    return twin.is_file() and twin.read_bytes() == path.read_bytes()


def _located(line: str, scripts: dict[str, Script], workspace: Path) -> str:
    """A mypy message with its generated file and line replaced by where it was written."""
    match = _ERROR.match(line)
    if match is None:
        return line
    path, number = match["path"], int(match["line"])
    if path in scripts:
        origins = scripts[path].origins

        def origin(number: int) -> str:
            found = origins[number - 1] if number <= len(origins) else None
            return str(found or "the prelude")

        rest = re.sub(r"on line (\d+)", lambda m: f"at {origin(int(m[1]))}", match["rest"])
        return f"{origin(number)}:{rest}"
    if (ROOT / path).is_relative_to(workspace):
        where = "workspace" if workspace.name == "workspace" else f"workspace grown by {CAPSTONE}"
        return f"{where}/{(ROOT / path).relative_to(workspace)}:{number}:{match['rest']}"
    return line
