"""Model cells that can be run again and again, as if each were an import.

SQLAlchemy maps a class to a table once per ``Base``: running a cell with
``class Member(Base)`` a second time fails with *Table 'members' is already
defined*. In a package, ``models.py`` is imported once per process, so the
problem never arises; in a notebook, a learner runs a cell after every edit.

:func:`rerun_like_imports` hooks IPython so that every ``# workspace:
lending/models.py`` cell runs the way Python imports a module: before it runs,
the model cells above it run again, on a fresh ``Base`` (the cell that defines
``Base`` first); after it, the model cells below it run again, next to its new
classes. Cells are remembered in notebook order once they run without error.

A notebook whose ``Base`` comes from the package (the capstone's) defines new models
beside the package's: :func:`replace_tables_when_run_again` lets such a cell run again by
taking the tables of the classes it defines out of ``Base``'s metadata first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import SAWarning

from helpers.workspace import WorkspaceError, split, target_of

TARGET = "lending/models.py"


def defined_names(source: str) -> frozenset[str]:
    """The names a model cell defines; empty for any other cell."""
    try:
        if target_of(source) == TARGET:
            return frozenset(split(source).names)
    except WorkspaceError:
        pass
    return frozenset()


@dataclass
class ModelCells:
    """The model cells run so far, in notebook order, and how to run them again."""

    namespace: dict[str, Any]
    cells: list[tuple[frozenset[str], str]] = field(default_factory=list)
    position: int = 0  # where the running cell sits among ``cells``

    def run_again(self, chosen: list[tuple[frozenset[str], str]]) -> None:
        for defined, source in chosen:
            try:
                # dont_inherit: this module's `from __future__ import annotations` would
                # turn the cell's annotations into strings SQLAlchemy cannot resolve.
                code = compile(source, "<model cell>", "exec", dont_inherit=True)
                exec(code, self.namespace)
            except Exception as exc:
                listed = ", ".join(sorted(defined))
                print(f"(The cell defining {listed} failed when run again: {exc!r})")

    def before(self, info: Any) -> None:
        """``pre_run_cell``: run the cells above this one again."""
        defined = defined_names(info.raw_cell)
        if not defined:
            return
        known = (i for i, (other, _) in enumerate(self.cells) if other & defined)
        self.position = 0 if "Base" in defined else next(known, len(self.cells))
        self.run_again(self.cells[: self.position])

    def after(self, result: Any) -> None:
        """``post_run_cell``: remember this cell in its place, run the cells below again."""
        defined = defined_names(result.info.raw_cell)
        if not (defined and result.success):
            return
        self.cells = [(other, source) for other, source in self.cells if not other & defined]
        self.cells.insert(min(self.position, len(self.cells)), (defined, result.info.raw_cell))
        self.run_again(self.cells[self.position + 1 :])


def rerun_like_imports(shell: Any = None) -> None:
    """Hook ``shell`` (this notebook's IPython by default); calling it again replaces the hooks."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            raise RuntimeError("rerun_like_imports() works inside IPython or Jupyter only")
    state = ModelCells(shell.user_ns)
    for moment, callback in (("pre_run_cell", state.before), ("post_run_cell", state.after)):
        for old in list(shell.events.callbacks[moment]):
            if isinstance(getattr(old, "__self__", None), ModelCells):
                shell.events.unregister(moment, old)
        shell.events.register(moment, callback)


@dataclass
class ReplacedTables:
    """The tables a model cell running again takes out of their metadata, until it ends."""

    namespace: dict[str, Any]
    removed: list[Table] = field(default_factory=list)

    def before(self, info: Any) -> None:
        """``pre_run_cell``: take the tables of the classes the cell defines again out."""
        self.removed = []
        for name in sorted(defined_names(info.raw_cell)):
            table = getattr(self.namespace.get(name), "__table__", None)
            if isinstance(table, Table) and table.metadata.tables.get(table.key) is table:
                table.metadata.remove(table)
                self.removed.append(table)

    def after(self, result: Any) -> None:
        """``post_run_cell``: a cell that failed leaves the earlier classes their tables."""
        for table in self.removed:
            if not result.success and table.key not in table.metadata.tables:
                table.to_metadata(table.metadata)
        self.removed = []


def replace_tables_when_run_again(shell: Any) -> None:
    """Hook ``shell`` so that its model cells can run again on a ``Base`` they import."""
    # The class of the same name is replaced in SQLAlchemy's string lookup, as intended.
    warnings.filterwarnings("ignore", "This declarative base already contains a class", SAWarning)
    state = ReplacedTables(shell.user_ns)
    for moment, callback in (("pre_run_cell", state.before), ("post_run_cell", state.after)):
        for old in list(shell.events.callbacks[moment]):
            if isinstance(getattr(old, "__self__", None), ReplacedTables):
                shell.events.unregister(moment, old)
        shell.events.register(moment, callback)
