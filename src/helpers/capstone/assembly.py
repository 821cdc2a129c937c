"""Which version of each layer the learner's package gets, and writing the package.

For each layer of notebook 11's checkpoint (``lending/<layer>.py`` in the workspace):

- missing, not Python, or defining nothing: the reference's version from before notebook
  11 (the capstone's own answers are never handed out);
- revised by a later notebook that saves no cells (:data:`SAVED`: 08 revises the models,
  10 the read path): the learner's, brought up to date definition by definition (08's
  ``Member`` with ``joined_on``, which the migrations create), their other definitions kept
  (:meth:`helpers.capstone.state.WorkspaceState.update`);
- then it must define every name the rest of the package imports from it, import, and
  give each class imported from it the members the reference's has
  (:mod:`helpers.capstone.requirements`); otherwise it is the reference's.

The project files around the layers come from ``lending_reference/project``; the
migrations are the course's ``env.py`` and the reference revisions :data:`REVISIONS`, with
the learner's own later revisions kept.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from helpers.capstone.fragments import fragments_of
from helpers.capstone.requirements import listed, missing_names, probe, unresolved
from helpers.capstone.state import REPLACED, WorkspaceState
from helpers.checkpoint import BUILT, REFERENCE, Version, layers_for, notebook_number, versions
from helpers.workspace import PACKAGE, WorkspaceError

NOTEBOOK = "11-capstone"
PROJECT = REFERENCE / "project"
"""The package's files that are not layers: pyproject.toml, alembic.ini, the tests' conftest
files, the reference suite (notebook 07's answers) and manage.py."""

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

#: Project files a learner's notebook saves (kept when they parse; else the reference's, so
#: the package's suite is whole), by the notebook that writes them, and those that are
#: always the course's (configuration and wiring, no exercise of the course writes them).
LEARNER_FILES = {
    "conftest.py": "notebook 07",
    "tests/test_lending.py": "notebook 07",
    "tests/test_reservations.py": "this notebook's exercise 7",
}
#: Learner files that test what this notebook adds: the reference's is written only once
#: the layers are settled, and only when the package has every name it imports.
CAPSTONE_FILES = ("tests/test_reservations.py",)
COURSE_FILES = ("pyproject.toml", "alembic.ini", "manage.py", "tests/conftest.py")


@dataclass(frozen=True)
class Choice:
    """One layer of the package: the learner's (``reason`` None) or the reference's, and why."""

    layer: str
    reason: str | None = None
    additions: tuple[str, ...] = ()
    """For a reference layer: names the learner's capstone cells defined in it since."""
    updated: tuple[str, ...] = ()
    """For a learner's layer: definitions brought up to date from the reference."""
    by: str = ""
    """The notebook whose revision ``updated`` is (the first one that saves no cells)."""

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
    file_additions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For a project file that is the reference's: names the learner's cells defined in it."""
    reference_revisions: tuple[str, ...] = REVISIONS
    """The reference's revision ids in the package."""
    revisions: tuple[str, ...] = ()
    """The learner's own revision ids, beside the reference's."""


def checkpoint(*, answers: bool = False) -> dict[str, Version]:
    """Each layer's reference version from before notebook 11 (with ``answers``, 11's own
    too), in loading order."""
    return layers_for(NOTEBOOK, inclusive=answers)


def assemble_into(root: Path, *, answers: bool = False) -> Assembly:
    """Make the workspace at ``root`` a whole package, in place (see the module docstring).

    ``answers`` fills missing layers with notebook 11's own reference versions, and adds
    every reference revision: the answer key as a package, for the course's own tests,
    never a learner's setup."""
    root.mkdir(parents=True, exist_ok=True)
    state = WorkspaceState(root)
    chosen = checkpoint(answers=answers)
    assembly = Assembly(root)
    reasons: dict[str, str] = {}
    for layer in chosen:
        module = f"{PACKAGE}/{layer}.py"
        reasons[layer] = state.reason(module) or _static_reason(state.module_path(module), layer)
        stale = _stale(layer)
        if not reasons[layer] and stale is not None:
            base, notebook = stale
            state.update(module, base, chosen[layer].path, notebook)
    _write_project(state, assembly)
    for name in LEARNER_FILES:
        if name not in CAPSTONE_FILES:
            _write_learner_file(state, assembly, name)
    while True:
        for layer, reason in reasons.items():
            module = f"{PACKAGE}/{layer}.py"
            if reason and state.reason(module) is None:
                state.fill(module, chosen[layer].path, reason)
        missing = missing_names(root, chosen, reasons)
        if missing:
            reasons.update(missing)
            continue
        failed = probe(root, chosen, reasons)
        if not failed:
            break
        reasons.update(failed)
    for layer, reason in reasons.items():
        module = f"{PACKAGE}/{layer}.py"
        if reason:
            state.adopt(module)
        else:
            state.split_definitions(module)
        touched = state.record.get(module)
        if reason:
            additions = state.additions(module, chosen[layer].path)
            assembly.layers[layer] = Choice(layer, reason, additions)
        elif touched and touched.updated:
            assembly.layers[layer] = Choice(layer, updated=tuple(touched.updated), by=touched.by)
        else:
            assembly.layers[layer] = Choice(layer)
    for name in CAPSTONE_FILES:
        _write_learner_file(state, assembly, name)
    assembly.reference_revisions = _reference_revisions(answers=answers)
    assembly.revisions = _write_migrations(root, assembly.reference_revisions)
    state.save()
    return assembly


def _static_reason(path: Path, layer: str) -> str:
    """Why the learner's file cannot be used at all, or '' when it may be."""
    if not path.is_file():
        builders = [notebook for notebook, layers in BUILT if layer in layers]
        if not any(layer in SAVED.get(notebook, ()) for notebook in builders):
            return f"notebook {_short(builders[0])} builds it and saves no cells to your package"
        return f"not in your package: notebook {_short(builders[0])} builds it"
    try:
        fragments_of(path.read_text("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # WorkspaceError: a syntax error, or empty
        cause = exc.__cause__
        where = f" (line {cause.lineno})" if isinstance(cause, SyntaxError) else ""
        if isinstance(exc, WorkspaceError) and cause is None:
            return "yours defines nothing"
        return f"yours is not valid Python{where}; it is kept in {REPLACED}/"
    return ""


def _stale(layer: str) -> tuple[Path, str] | None:
    """When notebooks before 11 revised ``layer`` after the last one whose cells save it,
    without saving it themselves: that last saved version's file, and those notebooks."""
    limit = notebook_number(NOTEBOOK)
    base: Path | None = None
    later: list[str] = []
    for version in versions():
        if version.layer != layer or notebook_number(version.notebook) >= limit:
            continue
        if layer in SAVED.get(version.notebook, ()):
            base, later = version.path, []
        else:
            later.append(_short(version.notebook))
    if base is None or not later:
        return None
    return base, ("notebooks " if len(later) > 1 else "notebook ") + " and ".join(later)


def _short(notebook: str) -> str:
    return notebook.split("-", 1)[0]


def _write_project(state: WorkspaceState, assembly: Assembly) -> None:
    """The course's project files, always the reference's."""
    for name in COURSE_FILES:
        target = state.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT / name, target)


def _write_learner_file(state: WorkspaceState, assembly: Assembly, name: str) -> None:
    """A learner's file when it parses, else the reference's (left out while the package
    lacks a name it imports: it could not even be collected)."""
    path = state.root / name
    reason = state.reason(name)
    if reason is None:
        reason = _static_reason(path, "") if path.is_file() else None
        reason = reason or (
            None if path.is_file() else f"not in your package: {LEARNER_FILES[name]} writes it"
        )
    if reason and state.reason(name) is None:
        lacking = unresolved(state.root, PROJECT / name) if name in CAPSTONE_FILES else []
        if lacking:
            assembly.files[name] = (
                f"it imports {listed(lacking)}, which this notebook adds to your package"
            )
            return
        state.fill(name, PROJECT / name, reason)
    state.adopt(name)
    additions = state.additions(name, PROJECT / name) if reason else ()
    if reason and set(additions) >= _defined(PROJECT / name):
        reason, additions = None, ()  # filled once, then every definition became yours
    assembly.files[name] = reason
    if additions:
        assembly.file_additions[name] = additions


def _defined(path: Path) -> set[str]:
    return {name for fragment in fragments_of(path.read_text("utf-8")) for name in fragment.names}


def _reference_revisions(*, answers: bool) -> tuple[str, ...]:
    """:data:`REVISIONS`, or with ``answers`` every revision of the reference chain."""
    if not answers:
        return REVISIONS
    folder = REFERENCE / "migrations" / "versions"
    return tuple(sorted(path.name.split("_", 1)[0] for path in folder.glob("*.py")))


def _write_migrations(root: Path, revisions: tuple[str, ...]) -> tuple[str, ...]:
    """``lending/migrations``: the course's env.py and the reference's ``revisions``; a
    learner's revision file is kept unless it has one of those ids (then it is set aside)."""
    from helpers.migrations import REFERENCE_MIGRATIONS, migrations_folder, revision_of

    folder = migrations_folder(root / PACKAGE / "migrations")
    versions = folder / "versions"
    shutil.rmtree(versions / "__pycache__", ignore_errors=True)
    reference = {
        revision: next((REFERENCE_MIGRATIONS / "versions").glob(f"{revision}_*.py"))
        for revision in revisions
    }
    own: list[str] = []
    for path in sorted(versions.glob("*.py")):
        try:
            revision, _ = revision_of(path.read_text("utf-8"))
        except (SyntaxError, ValueError):
            revision = None
        if revision in reference and path.read_bytes() == reference[revision].read_bytes():
            continue
        if revision is None or revision in reference:
            aside = root / REPLACED / path.relative_to(root)
            aside.parent.mkdir(parents=True, exist_ok=True)
            path.replace(aside)
        else:
            own.append(revision)
    for source in reference.values():
        shutil.copyfile(source, versions / source.name)
    return tuple(own)
