"""Notebook 07's suite, saved to a workspace, runs under plain pytest outside Jupyter.

The workspace is what a learner who solved 01-07 has: every earlier layer (here the
reference's, as the checkpoints give it) and 07's workspace cells, saved by the same
``helpers.workspace`` the notebook's hook uses: the kit in ``lending/testing.py``, the
tests in ``tests/test_lending.py`` and ``conftest.py`` loading the kit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, notebook_path
from helpers.checkpoint import layers_for
from helpers.workspace import Workspace, target_of

NOTEBOOK = "07-testing"


def test_the_saved_suite_passes_under_plain_pytest(tmp_path: Path) -> None:
    package = tmp_path / "lending"
    package.mkdir()
    for layer, version in layers_for(NOTEBOOK).items():
        shutil.copy(version.path, package / f"{layer}.py")
    workspace = Workspace(tmp_path)
    for cell in nbmeta.read(notebook_path(SOLUTIONS, NOTEBOOK)).cells:
        target = target_of(cell.source) if cell.cell_type == "code" else None
        if target:
            workspace.save(target, cell.source)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment.pop("LENDING_TEST_DATABASE_URL", None)
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-2000:]
    assert " passed" in finished.stdout
