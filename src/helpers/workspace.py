"""The learner's own package, accumulated from exercise cells.

A code cell whose first line is ``# workspace: lending/schemas.py`` is, once it
runs without error, saved as a *fragment* of that module in the learner's
workspace. Each module file is reassembled from its fragments on every save:
imports are hoisted and de-duplicated, the rest keeps the order in which the
fragments first appeared. Running a cell again replaces the fragment that
defines the same names, so the file always holds the latest working version.

The workspace is ``$COURSE_WORKSPACE`` when set, else ``workspace/`` in the
course root (the folder holding ``nbgrader_config.py``), else ``workspace/``
in the current directory. Under nbgrader (``NBGRADER_EXECUTION`` set) nothing
is saved: grading a notebook is not the learner working on it (the graded capstone saves
to a private temporary folder instead: :func:`use_private_workspace`).
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from helpers.files import write_atomic

DIRECTIVE = re.compile(r"^#\s*workspace:\s*(?P<path>\S+)\s*$")
MANIFEST = ".fragments.json"
PACKAGE = "lending"
HEADER = (
    '"""Your code from the course notebooks, assembled by helpers.workspace.\n\n'
    "Edit the notebooks, not this file: it is rewritten whenever a workspace cell runs.\n"
    '"""\n'
)


class WorkspaceError(ValueError):
    """A workspace cell or file cannot be used as it stands."""


class Fragment(BaseModel):
    """The code of one workspace cell, split for assembly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    names: tuple[str, ...]
    imports: tuple[str, ...]
    body: str


_Manifest = TypeAdapter(dict[str, list[Fragment]])


def course_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``nbgrader_config.py``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


_PRIVATE: list[Path] = []


def use_private_workspace(folder: Path) -> None:
    """Save workspace cells to ``folder`` from now on, under nbgrader too: the capstone,
    graded, assembles the learner's package there, never in the instructor's workspace."""
    _PRIVATE[:] = [folder]


def private_workspace() -> Path | None:
    return _PRIVATE[0] if _PRIVATE else None


def workspace_dir() -> Path:
    """Where the learner's package and progress are kept (see module docstring)."""
    if _PRIVATE:
        return _PRIVATE[0]
    configured = os.environ.get("COURSE_WORKSPACE")
    if configured:
        return Path(configured).expanduser()
    root = course_root()
    return (root or Path.cwd()) / "workspace"


def saving_enabled() -> bool:
    """False while nbgrader executes the notebook (autograde, validate), unless a private
    workspace was chosen (:func:`use_private_workspace`)."""
    return bool(_PRIVATE) or "NBGRADER_EXECUTION" not in os.environ


def target_of(source: str) -> str | None:
    """The module path named by a cell's ``# workspace:`` first line, if any."""
    first_line = source.lstrip().split("\n", 1)[0]
    match = DIRECTIVE.match(first_line)
    return _checked_path(match["path"]) if match else None


def _checked_path(raw: str) -> str:
    path = PurePosixPath(raw)
    if (
        path.is_absolute()
        or ".." in path.parts
        or path.suffix != ".py"
        or not path.parts
        or not all(
            part.isidentifier() and not keyword.iskeyword(part)
            for part in (*path.parts[:-1], path.stem)
        )
    ):
        raise WorkspaceError(
            f"'# workspace: {raw}' must name a module file inside the package, "
            "such as lending/schemas.py"
        )
    return str(path)


def split(source: str) -> Fragment:
    """Split a cell into its top-level imports, the names it defines, and the rest.

    The rest keeps the cell's own text (comments and blank lines included); only
    the ``# workspace:`` line and the import statements are taken out of it.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        message = f"the cell is not valid Python: {exc.msg} (line {exc.lineno})"
        raise WorkspaceError(message) from exc
    lines = source.splitlines()
    if lines and target_of(lines[0]) is not None:
        lines[0] = ""
    statements = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    imports = [ast.get_source_segment(source, node) or "" for node in statements]
    for node in reversed(statements):  # from the bottom: blanking joins lines
        _blank(lines, node)
    names = [name for node in tree.body for name in _defined_names(node)]
    if not names:
        raise WorkspaceError(
            "a workspace cell must define something at top level (a class, a function "
            "or a constant) so that running it again can replace the earlier version"
        )
    body = re.sub(r"\n{3,}", "\n\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")
    return Fragment(names=tuple(names), imports=tuple(imports), body=body)


def _blank(lines: list[str], node: ast.stmt) -> None:
    """Remove a statement's text (and a ``;`` that follows it) from ``lines``."""
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    start, end = node.col_offset, node.end_col_offset or 0
    # ast offsets count UTF-8 bytes; work on bytes so that non-ASCII lines cut right
    head = lines[first].encode()[:start].decode()
    tail = lines[last].encode()[end:].decode().lstrip()
    tail = tail[1:].lstrip() if tail.startswith(";") else tail
    head = head.rstrip()
    joined = f"{head} {tail}" if head and tail else head.rstrip(";") + tail
    lines[first : last + 1] = [joined]


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    names: list[str] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
    return names


class Workspace:
    """The learner's package folder and its fragment manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def fragments(self) -> dict[str, list[Fragment]]:
        """Every module's fragments; a damaged manifest is set aside, not lost."""
        if not self.manifest_path.exists():
            return {}
        try:
            return _Manifest.validate_json(self.manifest_path.read_bytes())
        except ValidationError:
            aside = self.manifest_path.with_suffix(".damaged.json")
            self.manifest_path.replace(aside)
            print(f"Your workspace index was damaged; it was moved to {aside} and restarted.")
            return {}

    def save(self, module: str, source: str) -> Path:
        """Store a cell as a fragment of ``module`` and rewrite the module file."""
        module = _checked_path(module)
        fragment = without_self_imports(split(source), module)
        manifest = self.fragments()
        kept = manifest.get(module, [])
        position = next(
            (i for i, old in enumerate(kept) if set(old.names) & set(fragment.names)),
            len(kept),
        )
        kept = [old for old in kept if not set(old.names) & set(fragment.names)]
        kept.insert(min(position, len(kept)), fragment)
        manifest[module] = kept
        path = self.root / module
        write_atomic(path, assemble(kept))
        for package in path.relative_to(self.root).parents:
            init = self.root / package / "__init__.py"
            if package != Path(".") and not init.exists():
                write_atomic(init, "")
        write_atomic(self.manifest_path, _Manifest.dump_json(manifest, indent=1).decode())
        return path


def without_self_imports(fragment: Fragment, module: str) -> Fragment:
    """``fragment`` without the imports of its own module: a cell imports
    ``from lending.routers import IdPath`` in the notebook, where the module exists
    already, but in ``lending/routers.py`` the name is defined in the file itself."""
    own = module.removesuffix(".py").replace("/", ".")
    kept = []
    for statement in fragment.imports:
        node = ast.parse(statement).body[0]
        if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == own):
            kept.append(statement)
    return Fragment(names=fragment.names, imports=tuple(kept), body=fragment.body)


def assemble(fragments: list[Fragment]) -> str:
    """One module's text: header, the merged imports, then each fragment's body."""
    head = merge_imports(statement for fragment in fragments for statement in fragment.imports)
    bodies = "\n\n\n".join(fragment.body for fragment in fragments)
    # isort's rule: two blank lines before a class or function, one before anything else
    first = bodies.lstrip().split("\n", 1)[0]
    gap = "\n\n" if first.startswith(("def ", "async def ", "class ", "@")) else "\n"
    return HEADER + ("\n" + head + "\n" if head else "") + gap + bodies + "\n"


def merge_imports(statements: Iterable[str], line_length: int = 88) -> str:
    """Import statements merged, de-duplicated and laid out as ruff's isort would.

    Sections: ``__future__``, standard library, third party, the package itself
    (``lending`` and relative imports); ``import x`` before ``from x import y``.
    """
    plain: set[tuple[str, str | None]] = set()
    froms: dict[str, set[tuple[str, str | None]]] = {}
    for statement in statements:
        for node in ast.parse(statement).body:
            if isinstance(node, ast.Import):
                plain.update((alias.name, alias.asname) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                froms.setdefault(module, set()).update((a.name, a.asname) for a in node.names)
    sections: dict[int, list[str]] = {}
    for module, alias in sorted(plain, key=lambda item: (item[0].lower(), item[1] or "")):
        sections.setdefault(_section(module), []).append(f"import {_alias(module, alias)}")
    for module in sorted(froms, key=str.lower):
        members = sorted(froms[module], key=_member_key)
        # isort keeps each aliased name in a statement of its own (ruff: combine-as = false)
        groups = [[m for m in members if m[1] is None]] + [[m] for m in members if m[1]]
        for group in filter(None, groups):
            names = [_alias(name, alias) for name, alias in group]
            line = f"from {module} import {', '.join(names)}"
            if len(line) > line_length:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
            sections.setdefault(_section(module), []).append(line)
    return "\n\n".join("\n".join(sections[key]) for key in sorted(sections))


def _section(module: str) -> int:
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if module.startswith(".") or top == PACKAGE:
        return 3
    return 1 if top in sys.stdlib_module_names else 2


def _alias(name: str, alias: str | None) -> str:
    return f"{name} as {alias}" if alias else name


def _member_key(item: tuple[str, str | None]) -> tuple[int, str, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and variables."""
    name = item[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), item[1] or ""
