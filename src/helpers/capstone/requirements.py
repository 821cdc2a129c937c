"""What the rest of the package needs from each layer, and a trial import that checks it.

Names are found statically (``from lending.x import y`` and ``from .x import y`` in every
file of the package); class members from the reference's class bodies; whether a learner's
layer imports, and has those members, in a process of its own
(:mod:`helpers.capstone.probe`): the learner's code may fail in any way, and the kernel's
``lending`` must not be touched by a trial.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.checkpoint import Version
from helpers.workspace import PACKAGE, WorkspaceError

PROBE_TIMEOUT_S = 120

#: Files of the package beside its layers that import from them.
OTHER_FILES = (
    "conftest.py",
    "tests/test_lending.py",
    "tests/conftest.py",
    "manage.py",
    f"{PACKAGE}/migrations/env.py",
)


def _files_of_package(root: Path, layers: list[str]) -> list[Path]:
    files = [root / PACKAGE / f"{layer}.py" for layer in layers] + [root / f for f in OTHER_FILES]
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
        if node.level == 1:  # inside the package (the reference's style)
            layer = parts[0]
        elif node.level == 0 and parts[0] == PACKAGE and len(parts) > 1:
            layer = parts[1]
        else:
            continue
        found.setdefault(layer, set()).update(alias.name for alias in node.names)
    return found


def required_names(root: Path, layers: list[str]) -> dict[str, dict[str, set[str]]]:
    """Layer -> name -> the package files (relative paths) that import it from the layer."""
    needed: dict[str, dict[str, set[str]]] = {}
    for path in _files_of_package(root, layers):
        where = path.relative_to(root).as_posix()
        for layer, names in imported_names(path).items():
            for name in names:
                needed.setdefault(layer, {}).setdefault(name, set()).add(where)
    return needed


def _defined_names(path: Path) -> set[str]:
    """The names a module binds at top level: definitions, assignments and imports."""
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


def missing_names(
    root: Path, chosen: dict[str, Version], reasons: dict[str, str]
) -> dict[str, str]:
    """Learner layers that lack a name the rest of the package imports from them."""
    needed = required_names(root, list(chosen))
    found: dict[str, str] = {}
    for layer in chosen:
        if reasons[layer]:
            continue
        defined = _defined_names(root / PACKAGE / f"{layer}.py")
        lacking = sorted(set(needed.get(layer, {})) - defined)
        if lacking:
            users = sorted({user for name in lacking for user in needed[layer][name]})
            found[layer] = f"yours lacks {listed(lacking)}, imported by {listed(users)}"
    return found


def unresolved(root: Path, path: Path) -> list[str]:
    """The names ``path`` imports from the package that the package at ``root`` lacks."""
    lacking: list[str] = []
    for layer, names in sorted(imported_names(path).items()):
        module = root / PACKAGE / f"{layer}.py"
        defined = _defined_names(module) if module.is_file() else set()
        lacking += sorted(names - defined)
    return lacking


def listed(items: list[str], limit: int = 3) -> str:
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


def probe(root: Path, chosen: dict[str, Version], reasons: dict[str, str]) -> dict[str, str]:
    """Import the package in a process of its own; the learner layers to replace, and why."""
    learners = [layer for layer in chosen if not reasons[layer]]
    if not learners:
        return {}
    needed = required_names(root, list(chosen))
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
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "helpers.capstone.probe"],
            input=json.dumps(request),
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkspaceError(
            f"importing your package did not finish within {PROBE_TIMEOUT_S} s: a module of "
            "yours runs something at import time that does not end (a loop, a server, input())"
        ) from exc
    try:
        report = json.loads(finished.stdout.strip().splitlines()[-1])
        failed: dict[str, str] = report["yours"]
        broken: dict[str, str] | None = report["broken"]
    except (IndexError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(
            f"checking your package's imports failed:\n{finished.stderr[-2000:]}"
        ) from exc
    if broken and not failed:
        # a reference layer failed inside library code: blame the learner layers it imports
        layer, why = broken["layer"], broken["why"]
        suspects = set(imported_names(chosen[layer].path)) & set(learners)
        if not suspects:
            raise WorkspaceError(
                f"{PACKAGE}.{layer} does not import, even from the reference: {why}"
            )
        failed = {s: f"{PACKAGE}.{layer} fails to import with yours ({why})" for s in suspects}
    return {layer: reason for layer, reason in failed.items() if layer in learners}
