"""Fixtures for the browser tests: a course copy, its JupyterLab, and Chromium.

Each test module gets its own temporary copy of the course (the Validate
button saves notebooks, and tests write notebooks of their own) and its own
JupyterLab on a free port, so modules can run in parallel under
``pytest -n auto --dist loadfile``. The browser is Debian's Chromium: a
missing ``/usr/bin/chromium`` skips these tests on a laptop and fails them in
CI (``CI=true``).

When a test fails, what the page showed is saved as
``test-artifacts/browser/FAILED-<test>.png``, and each module's JupyterLab log
is kept as ``test-artifacts/browser/<module>-jupyterlab.log``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from coursetools.labserver import LabServer, running_lab
from coursetools.layout import NBGRADER_CONFIG, NOTEBOOKS, SOLUTIONS

from .lab import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

expect.set_options(timeout=TIMEOUT_MS)


def course_copy(root: Path) -> Path:
    """The course as a learner or instructor has it: notebooks, sources, nbgrader config."""
    root.mkdir(parents=True)
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    shutil.copytree(SOLUTIONS, root / "solutions")
    shutil.copy(NBGRADER_CONFIG, root / "nbgrader_config.py")
    return root


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return course_copy(tmp_path_factory.mktemp("browser") / "course")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def lab_server(
    request: pytest.FixtureRequest, browser: Browser, course: Path
) -> Iterator[LabServer]:
    """JupyterLab serving the course copy (after ``browser``: no server when it is skipped)."""
    with running_lab(course, course.parent / "state") as server:
        try:
            yield server
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = Path(str(request.node.path)).stem
            shutil.copy(server.log_path, ARTIFACTS / f"{name}-jupyterlab.log")


@pytest.fixture
def lab(lab_server: LabServer) -> Iterator[LabServer]:
    """The module's JupyterLab; every kernel a test started is shut down after it."""
    yield lab_server
    for session in lab_server.sessions():
        lab_server.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, object, object]:
    report = yield
    if getattr(report, "when", None) == "call":
        item.stash[_FAILED] = bool(getattr(report, "failed", False))
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
        if request.node.stash.get(_FAILED, False):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=ARTIFACTS / f"FAILED-{name}.png")
    finally:
        context.close()
