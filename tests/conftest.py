"""Shared fixtures: the unit tests of ``helpers``, and a PostgreSQL database.

Nothing here is autouse: each test module asks for what it needs, so notebook
tests and release tests are untouched by these fixtures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from coursetools.postgres import PostgresUnavailable, ThrowawayPostgres
from helpers.catalogue import Catalogue, Exercise, NotebookEntry, source_digest


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private workspace (``$COURSE_WORKSPACE``) with saving enabled."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("COURSE_WORKSPACE", str(root))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return root


@pytest.fixture
def clean_lending() -> Iterator[None]:
    """Undo whatever a test does to ``lending`` and ``lending.*`` in ``sys.modules``."""

    def ours() -> dict[str, ModuleType]:
        return {
            name: module
            for name, module in sys.modules.items()
            if name == "lending" or name.startswith("lending.")
        }

    before = ours()
    for name in before:
        del sys.modules[name]
    try:
        yield
    finally:
        for name in ours():
            del sys.modules[name]
        sys.modules.update(before)


def make_exercise(
    grade_id: str, title: str, points: float, source: str, defines: tuple[str, ...] = ()
) -> Exercise:
    """An exercise whose test cell has exactly ``source`` and whose answer defines ``defines``."""
    return Exercise(
        grade_id=grade_id,
        title=title,
        points=points,
        source_sha256=source_digest(source),
        defines=defines,
    )


@pytest.fixture
def catalogue_factory() -> Callable[..., Catalogue]:
    """Build a catalogue from ``(id, title, [(grade_id, title, points, source), ...])``
    (an exercise's tuple may end in the names its answer defines)."""

    def build(*notebooks: tuple[str, str, list[tuple[Any, ...]]]) -> Catalogue:
        return Catalogue(
            notebooks=tuple(
                NotebookEntry(
                    id=notebook_id,
                    title=title,
                    exercises=tuple(make_exercise(*spec) for spec in exercises),
                )
                for notebook_id, title, exercises in notebooks
            )
        )

    return build


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InteractiveShell]:
    """One in-process IPython shell for the module.

    History is off, its profile lives in a temporary folder rather than ~/.ipython,
    and ``__main__`` is given back to pytest.
    """
    ours = not InteractiveShell.initialized()
    main = sys.modules.get("__main__")
    config = Config()
    config.HistoryManager.enabled = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        instance = InteractiveShell.instance(config=config)
    if main is not None:
        sys.modules["__main__"] = main  # the shell installs its user module there
    try:
        yield instance
    finally:
        if ours:
            InteractiveShell.clear_instance()


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    """One PostgreSQL database for this test process, which its tests may empty at will.

    ``LENDING_TEST_POSTGRES_URL`` names one (``postgresql+asyncpg://user@host:port/db``);
    otherwise a throwaway server is started in a temporary folder and stopped at the end.
    Without a server binary the test skips with the reason, and fails under ``CI=true``
    (``.ci/run`` installs Debian's ``postgresql``).
    """
    configured = os.environ.get("LENDING_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    try:
        with ThrowawayPostgres() as server:
            yield server.create_database()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc} (CI must run the PostgreSQL tests)")
        pytest.skip(str(exc))
