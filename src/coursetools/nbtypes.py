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

  (``__aexit__`` is not called: it changes no type the cell sees).

The notebooks' ``lending`` is the assembled package, and every error is reported
where it was written: a notebook's cell, or a module of the package.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from coursetools.layout import ROOT, SOLUTIONS, assignments, notebook_path
from helpers.workspace import Workspace, split, target_of

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


def notebook_script(notebook: str, path: Path) -> Script:
    """Every code cell of ``path`` in order, as one module (see the module docstring)."""
    text = [PRELUDE.rstrip("\n")]
    origins: list[Origin | None] = [None] * PRELUDE.count("\n")
    for position, cell in enumerate(nbformat.read(path, as_version=4).cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        module = target_of(cell.source)
        code = cell_code(cell.source if module is None else _imported(module, cell.source))
        code = code.rstrip("\n")
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        count = code.count("\n") + 1
        # a cell magic becomes one line; then every line of it points at the cell's first
        same = count == cell.source.rstrip("\n").count("\n") + 1
        text.append(code)
        origins.extend(
            Origin(notebook, position, grade_id, line if same else 1)
            for line in range(1, count + 1)
        )
    return Script("\n".join(text) + "\n", tuple(origins))


def _imported(module: str, source: str) -> str:
    """A workspace cell as its imports and the import of what it defines, lines kept.

    The cell's code is checked where it lives, as a module of the package; the cells
    after it see the names it bound: its imports, and its definitions with the types
    the package gives them.
    """
    fragment = split(source)
    dotted = module.removesuffix(".py").replace("/", ".")
    statements = [*fragment.imports, f"from {dotted} import {', '.join(fragment.names)}"]
    text = "; ".join(statements)
    return text + "\n" * (source.rstrip("\n").count("\n") - text.count("\n"))


def assemble_package(paths: Iterable[Path], folder: Path) -> list[Path]:
    """The learner's package from the ``# workspace:`` cells of ``paths``, in order."""
    workspace = Workspace(folder)
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            module = target_of(cell.source) if cell.cell_type == "code" else None
            if module is not None:
                workspace.save(module, cell.source)
    return sorted(folder.rglob("*.py"))


def check(cells: Sequence[str] = ()) -> Report:
    """mypy --strict (pyproject's settings) over the learner's package and notebooks' cells.

    The package is assembled from every solution notebook, a new one included; each
    notebook named in ``cells`` is checked as a module too.
    """
    paths = [notebook_path(SOLUTIONS, name) for name in assignments()]
    # The same folder on every run: mypy's cache keeps a module's messages with its
    # path and replays them while the module is unchanged.
    shutil.rmtree(SOURCES, ignore_errors=True)
    workspace = SOURCES / "workspace"
    package = [str(path.relative_to(ROOT)) for path in assemble_package(paths, workspace)]
    scripts: dict[str, Script] = {}
    (SOURCES / "notebooks").mkdir(parents=True)
    for name in cells:
        module = SOURCES / "notebooks" / f"notebook_{name.replace('-', '_')}.py"
        script = notebook_script(name, notebook_path(SOLUTIONS, name))
        scripts[str(module.relative_to(ROOT))] = script
        module.write_text(script.text, encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"),
            *("--no-error-summary", "--cache-dir", str(CACHE.relative_to(ROOT))),
            *package,
            *scripts,
        ],
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(workspace)},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = (done.stdout + done.stderr).splitlines()
    text = "\n".join(_located(line, scripts, workspace) for line in lines)
    checked = f"{len(package)} modules of the learner's package and {len(cells)} notebooks' cells"
    if done.returncode == 0:
        return Report(True, f"mypy --strict: no issues in {checked}")
    return Report(False, f"{text}\nmypy --strict failed on {checked}")


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
        return f"workspace/{(ROOT / path).relative_to(workspace)}:{number}:{match['rest']}"
    return line
