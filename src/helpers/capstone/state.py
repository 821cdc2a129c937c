"""The learner's workspace as the capstone changes it: modules filled from the reference, or
brought up to date definition by definition, always through the fragment manifest.

A module written here is a list of :class:`helpers.workspace.Fragment`, one per top-level
definition, exactly as if each had been a workspace cell: a later cell that defines one of
the names replaces that one definition and keeps the rest. ``.capstone.json`` records what
was done to each module, so that assembling again never undoes a capstone cell; the
learner's file, the first time it is changed, is kept in ``replaced/``.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from helpers.capstone.fragments import fragments_of, names_used
from helpers.files import write_atomic
from helpers.workspace import MANIFEST, PACKAGE, Fragment, Workspace, assemble

RECORD = ".capstone.json"
REPLACED = "replaced"


class Touched(BaseModel):
    """What the capstone did to one module of the workspace (``.capstone.json``)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = None
    """Why the whole module is the reference's; None: it is the learner's."""
    updated: list[str] = []
    """In a learner's module: the definitions brought up to date from the reference."""
    by: str = ""
    """The notebook whose revision those definitions are."""


_Record = TypeAdapter(dict[str, Touched])


class WorkspaceState:
    """The workspace folder, its manifest and the capstone's record of what it changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = Workspace(root).fragments()
        self.record = self._read_record()

    def _read_record(self) -> dict[str, Touched]:
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

    def reason(self, module: str) -> str | None:
        touched = self.record.get(module)
        return touched.reason if touched and self.module_path(module).exists() else None

    def _keep_original(self, module: str) -> None:
        """The learner's file, the first time the capstone changes it, into ``replaced/``."""
        path = self.module_path(module)
        if path.exists() and module not in self.record:
            aside = self.root / REPLACED / module
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, aside)

    def fill(self, module: str, source: Path, reason: str) -> None:
        """``module`` becomes the reference's ``source``, one fragment per definition."""
        self._keep_original(module)
        fragments = fragments_of(source.read_text("utf-8"))
        self.manifest[module] = fragments
        write_atomic(self.module_path(module), assemble(fragments))
        self.record[module] = Touched(reason=reason)

    def update(self, module: str, base: Path, latest: Path, notebook: str) -> None:
        """Bring a learner's module from the reference version ``base`` (the last one whose
        cells saved it) to ``latest``: each definition ``notebook`` (and any after it) added
        or changed replaces the learner's of the same name, or joins the module; each one
        they removed, or that now shadows an import, leaves it. A definition updated once
        is not touched again (a capstone cell may have redefined it since)."""
        self.adopt(module)
        before = {f.names: f.body for f in fragments_of(base.read_text("utf-8"))}
        after = fragments_of(latest.read_text("utf-8"))
        done = set(self.record[module].updated) if module in self.record else set()
        changed = [f for f in after if before.get(f.names) != f.body and not set(f.names) & done]
        kept_names = {name for f in after for name in f.names}
        removed = {n for names in before for n in names if n not in kept_names} - done
        fragments = list(self.manifest[module])
        for fragment in changed:
            fragments = _put(fragments, fragment, after)
        while True:  # a definition brought in may use another that the learner's lacks
            defined = {name for f in fragments for name in f.names}
            needed = {name for f in fragments for name in names_used(f.body)} - defined
            extra = [f for f in after if set(f.names) & needed]
            if not extra:
                break
            changed += extra
            for fragment in extra:
                fragments = _put(fragments, fragment, after)
        fragments = [f for f in fragments if not set(f.names) <= removed]
        theirs = {name for f in self.manifest[module] for name in f.names}
        fragments = _hoisted(fragments, [f for f in fragments if not set(f.names) & theirs])
        imported = {name for f in fragments for s in f.imports for name in _bound(s)}
        fragments = [f for f in fragments if not set(f.names) & imported]
        if fragments == self.manifest[module]:
            return
        self._keep_original(module)
        self.manifest[module] = fragments
        write_atomic(self.module_path(module), assemble(fragments))
        names = sorted(done | {n for f in changed for n in f.names} | removed)
        self.record[module] = Touched(updated=names, by=notebook)

    def adopt(self, module: str) -> None:
        """A module kept as it is whose manifest entry is missing (damaged, or never made):
        rebuild the entry from the file, so that saving a cell keeps the rest of it."""
        if self.manifest.get(module):
            return
        self.manifest[module] = fragments_of(self.module_path(module).read_text("utf-8"))

    def split_definitions(self, module: str) -> None:
        """The learner's ``module`` one fragment per definition, as a filled layer is: a
        capstone cell that redefines some names of an earlier cell (11's ``get_lending``,
        from 05's cell that also holds ``CatalogueDep``) then replaces those and keeps the
        rest, where saving it would have dropped the whole earlier cell."""
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
        manifest = TypeAdapter(dict[str, list[Fragment]]).dump_json(self.manifest, indent=1)
        write_atomic(self.root / MANIFEST, manifest.decode())
        write_atomic(self.root / RECORD, _Record.dump_json(self.record, indent=1).decode() + "\n")


def _put(fragments: list[Fragment], fragment: Fragment, order: list[Fragment]) -> list[Fragment]:
    """``fragments`` with ``fragment`` in place of those defining its names, or, if none
    does, before the first that uses it (else after the last one defining a name the
    reference defines before it).

    A learner's fragment (a cell) may define several names: it is replaced as a whole, by
    the reference's definitions of all of them (and so on, until no name is left half
    defined)."""
    names = set(fragment.names)
    while True:
        theirs = [f for f in fragments if set(f.names) & names]
        grown = names | {n for f in theirs for n in f.names}
        grown |= {n for f in order if set(f.names) & grown for n in f.names}
        if grown == names:
            break
        names = grown
    incoming = [f for f in order if set(f.names) & names] if theirs else [fragment]
    at = next((i for i, f in enumerate(fragments) if set(f.names) & names), None)
    rest = [f for f in fragments if not set(f.names) & names]
    if at is None:  # a new definition: before its first use, else where the reference has it
        users = [i for i, f in enumerate(rest) if names_used(f.body) & names]
        before = {n for f in order[: order.index(fragment)] for n in f.names}
        after = max((i + 1 for i, f in enumerate(rest) if set(f.names) & before), default=len(rest))
        at = min(users) if users else after
    else:
        at = sum(1 for f in fragments[:at] if not set(f.names) & names)
    return [*rest[:at], *incoming, *rest[at:]]


def _hoisted(fragments: list[Fragment], new: list[Fragment]) -> list[Fragment]:
    """``fragments`` with each of the ``new`` ones moved before its first use."""
    fragments = list(fragments)
    moved = True
    while moved:
        moved = False
        for fragment in new:
            at = fragments.index(fragment)
            users = [
                i for i, f in enumerate(fragments[:at]) if names_used(f.body) & set(fragment.names)
            ]
            if users:
                fragments.insert(min(users), fragments.pop(at))
                moved = True
    return fragments


def _bound(statement: str) -> set[str]:
    node = ast.parse(statement).body[0]
    if not isinstance(node, ast.Import | ast.ImportFrom):
        return set()
    return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
