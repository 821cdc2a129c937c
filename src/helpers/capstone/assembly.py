"""Which version of each layer the learner's package gets, and writing the package.

A learner layer (``lending/<layer>.py`` in the workspace) is kept when

- it exists and parses;
- no notebook revised the layer after the learner last saved it (notebook 08 revises the
  models but saves no cells: the learner's are 02's and lack ``members.joined_on``, which
  the migrations create, so the package gets the reference's models);
- it defines every name that the rest of the package imports from it; and
- it imports, and each class imported from it has the members the reference's has
  (:mod:`helpers.capstone.probe`, in a process of its own).

Every other layer is the reference's version from before notebook 11 (the capstone's own
answers are never handed out), written into the workspace's fragment manifest one
top-level definition at a time; the learner's file is kept in ``replaced/``. Which layers
were filled, and why, is recorded in ``.capstone.json``: a filled layer stays the
reference's (plus whatever capstone cells add to it) when the package is assembled again.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from helpers.capstone.fragments import fragments_of
from helpers.checkpoint import BUILT, REFERENCE, Version, layers_for, notebook_number
from helpers.files import write_atomic
from helpers.workspace import MANIFEST, PACKAGE, Fragment, Workspace, WorkspaceError, assemble

NOTEBOOK = "11-capstone"
PROJECT = REFERENCE / "project"
"""The package's files that are not layers: pyproject.toml, alembic.ini, the tests' conftest
files, the reference suite (notebook 07's answers) and manage.py."""
RECORD = ".capstone.json"
REPLACED = "replaced"

#: The layers each notebook's workspace cells save (tests/capstone/test_tables.py checks this
#: against the solution notebooks). Notebooks 08 and 10 save none.
SAVED: dict[str, tuple[str, ...]] = {
    "00-orientation": ("clock",),
    "01-schemas": ("schemas",),
    "02-models": ("models", "db"),
    "03-repositories": ("repositories",),
    "04-services": ("errors", "services"),
    "05-routers": ("settings", "deps", "routers", "app"),
    "06-errors": ("problems", "routers", "app"),
    "07-testing": ("testing",),
    "08-migrations": (),
    "09-security": ("settings", "security"),
    "10-performance": (),
}

#: The reference revisions from before notebook 11, which the package always gets (its
#: models are the reference's, see above); a learner's revision with another id is kept.
REVISIONS = ("0001", "0002", "0003", "0004")

#: Project files the learner's notebook 07 saves (kept when they parse), and those that are
#: always the course's (configuration and wiring, no exercise of the course writes them).
LEARNER_FILES = ("conftest.py", "tests/test_lending.py")
COURSE_FILES = ("pyproject.toml", "alembic.ini", "manage.py", "tests/conftest.py")


@dataclass(frozen=True)
class Choice:
    """One layer of the package: the learner's (``reason`` None) or the reference's, and why."""

    layer: str
    reason: str | None = None
    additions: tuple[str, ...] = ()
    """For a reference layer: names the learner's capstone cells defined in it since."""

    @property
    def yours(self) -> bool:
        return self.reason is None


@dataclass
class Assembly:
    """What :func:`assemble_into` did: each layer's choice, the project files, the revisions."""

    root: Path
    layers: dict[str, Choice] = field(default_factory=dict)
    files: dict[str, str | None] = field(default_factory=dict)
    """Project file -> None (the learner's) or why it is the reference's."""
    revisions: tuple[str, ...] = ()
    """The learner's own revision ids, beside the reference's :data:`REVISIONS`."""


_Record = TypeAdapter(dict[str, str])


class _Workspace:
    """The workspace folder, its manifest and the capstone's record of filled modules."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.workspace = Workspace(root)
        self.manifest = self.workspace.fragments()
        self.record = self._read_record()

    def _read_record(self) -> dict[str, str]:
        path = self.root / RECORD
        if not path.exists():
            return {}
        try:
            return _Record.validate_json(path.read_bytes())
        except ValidationError:
            path.replace(path.with_suffix(".damaged.json"))
            return {}

    def module_path(self, module: str) -> Path:
        return self.root / module

    def fill(self, module: str, source: Path, reason: str) -> None:
        """``module`` becomes the reference's ``source``, one fragment per definition."""
        path = self.module_path(module)
        if path.exists() and module not in self.record:
            aside = self.root / REPLACED / module
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, aside)
        fragments = fragments_of(source.read_text("utf-8"))
        self.manifest[module] = fragments
        write_atomic(path, assemble(fragments))
        self.record[module] = reason

    def adopt(self, module: str) -> None:
        """A module kept as it is whose manifest entry is missing (damaged, or never made):
        rebuild the entry from the file, so that saving a cell keeps the rest of it."""
        if self.manifest.get(module):
            return
        self.manifest[module] = fragments_of(self.module_path(module).read_text("utf-8"))

    def additions(self, module: str, source: Path) -> tuple[str, ...]:
        """Names whose definition in ``module`` is no longer the reference's: what the
        learner's cells added to a filled module, or redefined in it."""
        reference = {fragment.body for fragment in fragments_of(source.read_text("utf-8"))}
        return tuple(
            name
            for fragment in self.manifest.get(module, [])
            if fragment.body not in reference
            for name in fragment.names
        )

    def save(self) -> None:
        for package in {Path(module).parent for module in self.manifest} | {Path(PACKAGE)}:
            if package != Path("."):
                init = self.root / package / "__init__.py"
                if not init.exists():
                    write_atomic(init, "")
        write_atomic(
            self.root / MANIFEST,
            TypeAdapter(dict[str, list[Fragment]]).dump_json(self.manifest, indent=1).decode(),
        )
        write_atomic(self.root / RECORD, json.dumps(self.record, indent=1, sort_keys=True) + "\n")


def checkpoint() -> dict[str, Version]:
    """Each layer's reference version from before notebook 11, in loading order."""
    return layers_for(NOTEBOOK)


def assemble_into(root: Path) -> Assembly:
    """Make the workspace at ``root`` a whole package, in place (see the module docstring)."""
    root.mkdir(parents=True, exist_ok=True)
    state = _Workspace(root)
    chosen = checkpoint()
    assembly = Assembly(root)
    reasons: dict[str, str] = {}
    for layer, version in chosen.items():
        module = f"{PACKAGE}/{layer}.py"
        reason = state.record.get(module) if state.module_path(module).exists() else None
        reasons[layer] = reason or _static_reason(state.module_path(module), layer, version)
    _write_project(state, assembly)
    while True:
        for layer, reason in reasons.items():
            module = f"{PACKAGE}/{layer}.py"
            if reason and state.record.get(module) is None:
                state.fill(module, chosen[layer].path, reason)
        missing = _missing_names(root, chosen, reasons)
        if missing:
            reasons.update(missing)
            continue
        failed = _probe(root, chosen, reasons)
        if not failed:
            break
        reasons.update(failed)
    for layer, reason in reasons.items():
        module = f"{PACKAGE}/{layer}.py"
        state.adopt(module)
        if reason:
            additions = state.additions(module, chosen[layer].path)
            assembly.layers[layer] = Choice(layer, reason, additions)
        else:
            assembly.layers[layer] = Choice(layer)
    assembly.revisions = _write_migrations(root)
    state.save()
    return assembly


def _static_reason(path: Path, layer: str, version: Version) -> str:
    """Why the learner's file cannot be used as it stands, or '' when it may be."""
    if not path.is_file():
        builders = [notebook for notebook, layers in BUILT if layer in layers]
        if not any(layer in SAVED.get(notebook, ()) for notebook in builders):
            return f"notebook {_short(builders[0])} builds it and saves no cells to your package"
        return f"not in your package: notebook {_short(builders[0])} builds it"
    stale = _revised_unsaved(layer, before=NOTEBOOK)
    if stale:
        return (
            f"notebook {_short(stale)} revised it and saves no cells to your package, "
            "so yours is an earlier version"
        )
    try:
        ast.parse(path.read_text("utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) else ""
        return f"yours is not valid Python{where}; it is kept in {REPLACED}/"
    return ""


def _revised_unsaved(layer: str, *, before: str) -> str | None:
    """The last notebook before ``before`` that revised ``layer`` after the learner's cells
    last saved it, without saving it itself."""
    limit = notebook_number(before)
    stale: str | None = None
    for notebook, layers in BUILT:
        if notebook_number(notebook) >= limit or layer not in layers:
            continue
        stale = None if layer in SAVED.get(notebook, ()) else notebook
    return stale


def _short(notebook: str) -> str:
    return notebook.split("-", 1)[0]


def _files_of_package(root: Path) -> list[Path]:
    files = [root / f"{PACKAGE}/{layer}.py" for layer in checkpoint()]
    files += [root / name for name in (*LEARNER_FILES, *COURSE_FILES) if name.endswith(".py")]
    files.append(root / PACKAGE / "migrations" / "env.py")
    return [path for path in files if path.is_file()]


def imported_names(path: Path) -> dict[str, set[str]]:
    """Layer -> the names ``path`` imports from it (``from lending.x import y``, or
    ``from .x import y`` inside the package)."""
    try:
        tree = ast.parse(path.read_text("utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        parts = node.module.split(".")
        if node.level == 1 and path.parent.name == PACKAGE:
            layer = parts[0]
        elif node.level == 0 and parts[0] == PACKAGE and len(parts) > 1:
            layer = parts[1]
        else:
            continue
        found.setdefault(layer, set()).update(alias.name for alias in node.names)
    return found


def required_names(root: Path) -> dict[str, dict[str, set[str]]]:
    """Layer -> name -> the package files (relative paths) that import it from the layer."""
    needed: dict[str, dict[str, set[str]]] = {}
    for path in _files_of_package(root):
        where = path.relative_to(root).as_posix()
        for layer, names in imported_names(path).items():
            for name in names:
                needed.setdefault(layer, {}).setdefault(name, set()).add(where)
    return needed


def _defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _missing_names(
    root: Path, chosen: dict[str, Version], reasons: dict[str, str]
) -> dict[str, str]:
    """Learner layers that lack a name the rest of the package imports from them."""
    needed = required_names(root)
    found: dict[str, str] = {}
    for layer in chosen:
        if reasons[layer]:
            continue
        defined = _defined_names(root / PACKAGE / f"{layer}.py")
        lacking = sorted(set(needed.get(layer, {})) - defined)
        if lacking:
            users = sorted({user for name in lacking for user in needed[layer][name]})
            found[layer] = f"yours lacks {_listed(lacking)}, which {_listed(users)} imports"
    return found


def _listed(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def class_members(path: Path) -> dict[str, list[str]]:
    """Class name -> the public names its body defines (methods, fields, attributes)."""
    tree = ast.parse(path.read_text("utf-8"))
    members: dict[str, list[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        names: list[str] = []
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(item.name)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                names.append(item.target.id)
            elif isinstance(item, ast.Assign):
                names += [t.id for t in item.targets if isinstance(t, ast.Name)]
        members[node.name] = [name for name in names if not name.startswith("_")]
    return members


def _probe(root: Path, chosen: dict[str, Version], reasons: dict[str, str]) -> dict[str, str]:
    """Import the package in a process of its own; the learner layers to replace, and why."""
    learners = [layer for layer in chosen if not reasons[layer]]
    if not learners:
        return {}
    needed = required_names(root)
    checks = {
        layer: {
            name: members
            for name, members in class_members(chosen[layer].path).items()
            if name in needed.get(layer, {})
        }
        for layer in learners
    }
    request = {"layers": list(chosen), "yours": learners, "members": checks}
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LENDING_"))}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    finished = subprocess.run(
        [sys.executable, "-m", "helpers.capstone.probe"],
        input=json.dumps(request),
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(finished.stdout.strip().splitlines()[-1])
        failed: dict[str, str] = report["yours"]
        broken: str | None = report["broken"]
    except (IndexError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(
            f"checking your package's imports failed:\n{finished.stderr[-2000:]}"
        ) from exc
    if broken and not failed:
        raise WorkspaceError(f"the package does not import, even from the reference: {broken}")
    return {layer: reason for layer, reason in failed.items() if layer in learners}


def _write_project(state: _Workspace, assembly: Assembly) -> None:
    """The project files: the course's always, the learner's 07 files when they parse."""
    for name in COURSE_FILES:
        target = state.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT / name, target)
    for name in LEARNER_FILES:
        path = state.root / name
        reason = state.record.get(name) if path.exists() else None
        if reason is None:
            if not path.is_file():
                reason = "not in your package: notebook 07 writes it"
            else:
                try:
                    ast.parse(path.read_text("utf-8"))
                except (SyntaxError, UnicodeDecodeError, ValueError):
                    reason = f"yours is not valid Python; it is kept in {REPLACED}/"
        if reason and state.record.get(name) is None:
            state.fill(name, PROJECT / name, reason)
        elif reason is None:
            state.adopt(name)
        assembly.files[name] = reason


def _write_migrations(root: Path) -> tuple[str, ...]:
    """``lending/migrations``: the course's env.py and the reference revisions before 11;
    a learner's revision file is kept unless it has one of those ids (then it is set aside)."""
    from helpers.migrations import REFERENCE_MIGRATIONS, migrations_folder, revision_of

    folder = migrations_folder(root / PACKAGE / "migrations")
    versions = folder / "versions"
    shutil.rmtree(versions / "__pycache__", ignore_errors=True)
    reference = {
        revision: next((REFERENCE_MIGRATIONS / "versions").glob(f"{revision}_*.py"))
        for revision in REVISIONS
    }
    own: list[str] = []
    for path in sorted(versions.glob("*.py")):
        try:
            revision, _ = revision_of(path.read_text("utf-8"))
        except (SyntaxError, ValueError):
            revision = None
        if revision in reference and path.read_bytes() == reference[revision].read_bytes():
            continue
        if revision is None or revision in REVISIONS:
            aside = root / REPLACED / path.relative_to(root)
            aside.parent.mkdir(parents=True, exist_ok=True)
            path.replace(aside)
        else:
            own.append(revision)
    for source in reference.values():
        shutil.copyfile(source, versions / source.name)
    return tuple(own)
