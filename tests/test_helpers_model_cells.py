"""helpers.model_cells: SQLAlchemy model cells that can be run again, as imports would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from helpers.model_cells import (
    ModelCells,
    ReplacedTables,
    defined_names,
    replace_tables_when_run_again,
    rerun_like_imports,
)

BASE = """# workspace: lending/models.py
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""
AUTHOR = """# workspace: lending/models.py
from sqlalchemy.orm import Mapped, mapped_column


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
BOOK = """# workspace: lending/models.py
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
"""


@pytest.fixture
def hooked(shell: InteractiveShell) -> Iterator[InteractiveShell]:
    shell.reset(new_session=False)
    rerun_like_imports(shell)
    try:
        yield shell
    finally:
        for moment in ("pre_run_cell", "post_run_cell"):
            for callback in list(shell.events.callbacks[moment]):
                if isinstance(getattr(callback, "__self__", None), ModelCells):
                    shell.events.unregister(moment, callback)


def run(shell: InteractiveShell, source: str) -> None:
    result = shell.run_cell(source)
    assert result.success, repr(result.error_in_exec)


def test_defined_names_reads_only_model_cells() -> None:
    assert defined_names(AUTHOR) == {"Author"}
    assert defined_names("class Author: ...") == frozenset()
    assert defined_names("# workspace: lending/schemas.py\nclass MemberRead: ...") == frozenset()
    assert defined_names("# workspace: ../escape.py\nx = 1") == frozenset()  # invalid target


def test_without_the_hooks_a_model_cell_cannot_run_twice(shell: InteractiveShell) -> None:
    shell.reset(new_session=False)
    run(shell, BASE)
    run(shell, AUTHOR)
    assert not shell.run_cell(AUTHOR).success  # Table 'authors' is already defined


def test_every_model_cell_can_be_run_again(hooked: InteractiveShell) -> None:
    for source in (BASE, AUTHOR, BOOK, AUTHOR, BOOK, BASE, BOOK):
        run(hooked, source)
    tables = hooked.user_ns["Base"].metadata.tables
    assert sorted(tables) == ["authors", "books"]
    assert hooked.user_ns["Book"].__table__ is tables["books"]


def test_a_changed_cell_is_seen_by_the_cells_below(hooked: InteractiveShell) -> None:
    for source in (BASE, AUTHOR, BOOK):
        run(hooked, source)
    run(hooked, AUTHOR.replace("    id:", "    name: Mapped[str]\n    id:"))
    base, author = hooked.user_ns["Base"], hooked.user_ns["Author"]
    assert "name" in base.metadata.tables["authors"].columns
    assert hooked.user_ns["Book"].__table__.metadata is base.metadata  # re-run on the same Base
    assert author.__table__ is base.metadata.tables["authors"]


def test_a_failing_cell_is_not_remembered(
    hooked: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(hooked, BASE)
    broken = AUTHOR.replace('__tablename__ = "authors"', "")  # no table name: SQLAlchemy refuses
    assert not hooked.run_cell(broken).success
    run(hooked, BOOK.replace('ForeignKey("authors.id")', "ForeignKey('books.id')"))
    run(hooked, BASE)  # the cells below run again: only Book, never the broken Author
    assert "failed when run again" not in capsys.readouterr().out


def test_calling_it_again_replaces_the_hooks(hooked: InteractiveShell) -> None:
    rerun_like_imports(hooked)
    for moment in ("pre_run_cell", "post_run_cell"):
        ours = [
            c
            for c in hooked.events.callbacks[moment]
            if isinstance(getattr(c, "__self__", None), ModelCells)
        ]
        assert len(ours) == 1


def test_outside_ipython_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    with pytest.raises(RuntimeError, match="inside IPython or Jupyter"):
        rerun_like_imports()


def test_a_model_cell_on_an_imported_base_can_run_again(shell: InteractiveShell) -> None:
    """The capstone's case: Base is the package's, and only the cell's own tables change."""
    shell.reset(new_session=False)
    run(shell, BASE)
    run(shell, AUTHOR)
    replace_tables_when_run_again(shell)
    try:
        run(shell, BOOK)
        run(shell, BOOK.replace("    id:", "    title: Mapped[str]\n    id:"))
        tables = shell.user_ns["Base"].metadata.tables
        assert "title" in tables["books"].columns
        assert shell.user_ns["Book"].__table__ is tables["books"]
        assert shell.user_ns["Author"].__table__ is tables["authors"]  # left as it was
        broken = BOOK.replace('__tablename__ = "books"', "")
        assert not shell.run_cell(broken).success
        assert "title" in tables["books"].columns  # a failed run leaves the last table in place
    finally:
        for moment in ("pre_run_cell", "post_run_cell"):
            for callback in list(shell.events.callbacks[moment]):
                if isinstance(getattr(callback, "__self__", None), ReplacedTables):
                    shell.events.unregister(moment, callback)
