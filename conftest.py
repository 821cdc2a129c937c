"""Root pytest configuration: the test run never writes into a learner's workspace.

Kernels started by nbval and by the notebook tests inherit this environment, so
the ``# workspace:`` cells and progress records of the solution notebooks land
in a temporary folder instead of ``workspace/``. Each notebook nbval runs gets a
folder of its own, empty, as ``make outputs`` gives it: what one notebook saved
never shows in another's outputs (the capstone's lists the layers it finds).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_run_folder = pytest.StashKey[Path]()
_notebook = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    folder = Path(tempfile.mkdtemp(prefix="course-test-workspace-"))
    config.stash[_run_folder] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ.setdefault("COURSE_WORKSPACE", str(folder / "run"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Before a notebook's kernel starts (its first cell's setup), a fresh workspace."""
    path = item.path
    if path.suffix == ".ipynb" and item.config.stash.get(_notebook, None) != path:
        item.config.stash[_notebook] = path
        folder = item.config.stash[_run_folder]
        os.environ["COURSE_WORKSPACE"] = tempfile.mkdtemp(prefix="nbval-", dir=folder)
    return (yield)
