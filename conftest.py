"""Root pytest configuration: the test run never writes into a learner's workspace.

Kernels started by nbval and by the notebook tests inherit this environment, so
the ``# workspace:`` cells and progress records of the solution notebooks land
in a temporary folder instead of ``workspace/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if "COURSE_WORKSPACE" not in os.environ:
        workspace = tempfile.mkdtemp(prefix="course-test-workspace-")
        os.environ["COURSE_WORKSPACE"] = workspace
        config.add_cleanup(lambda: shutil.rmtree(workspace, ignore_errors=True))
