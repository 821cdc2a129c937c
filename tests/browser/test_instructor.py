"""nbgrader in JupyterLab: the learner's Validate button and the instructor's formgrader.

The course copy has its assignments in its gradebook (as ``nbgrader db
assignment add`` would put them, in one process) before JupyterLab starts from
its root, where nbgrader finds ``nbgrader_config.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Locator, Page, expect

from coursetools import nbmeta
from coursetools.labserver import LabServer
from coursetools.layout import NOTEBOOKS, SOLUTIONS, assignments, notebook_path, tools_on_path
from coursetools.nbcourse import fill_in

from .conftest import course_copy
from .lab import Notebook, open_notebook, screenshot

pytestmark = pytest.mark.timeout(600)

ORIENTATION = "00-orientation"
VALIDATE_TIMEOUT_MS = 300_000  # nbgrader runs the whole notebook in a fresh kernel


ADD_TO_GRADEBOOK = """
import sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gradebook:
    for name in sys.argv[1:]:
        gradebook.update_or_create_assignment(name)
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course copy, with every released assignment in its gradebook."""
    root = course_copy(tmp_path_factory.mktemp("instructor") / "course")
    tools_on_path()  # nbgrader runs alembic by name to create the gradebook
    subprocess.run(
        [sys.executable, "-c", ADD_TO_GRADEBOOK, *assignments(NOTEBOOKS)],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return root


def validate(notebook: Notebook) -> Locator:
    """Press the Validate button; returns nbgrader's results dialog once it shows."""
    notebook.toolbar().locator(".validate-button").click()
    dialog = notebook.page.locator(".jp-Dialog").filter(has_text="Validation Results")
    expect(dialog).to_be_visible(timeout=VALIDATE_TIMEOUT_MS)
    return dialog


def test_validate_lists_the_failing_exercises(page: Page, lab: LabServer) -> None:
    path = f"notebooks/{ORIENTATION}/{ORIENTATION}.ipynb"
    notebook = open_notebook(page, lab, path)
    tests = [cell for cell in notebook.cells() if cell.nbgrader.get("grade")]

    dialog = validate(notebook)
    expect(dialog.locator(".validation-failed")).to_be_visible()
    expect(dialog.get_by_text("The following cell failed:")).to_have_count(len(tests))
    for cell in tests:
        expect(dialog).to_contain_text(cell.source.splitlines()[0])  # "# Exercise N: ..."
    message = dialog.get_by_text("This exercise is not solved yet").first
    expect(message).to_be_visible()
    message.scroll_into_view_if_needed()
    screenshot(page, "validate-unsolved")


def test_validate_passes_a_solved_notebook(page: Page, lab: LabServer, course: Path) -> None:
    solved = fill_in(
        nbmeta.read(notebook_path(NOTEBOOKS, ORIENTATION)),
        nbmeta.read(notebook_path(SOLUTIONS, ORIENTATION)),
    )
    path = f"notebooks/{ORIENTATION}/{ORIENTATION}-solved.ipynb"
    nbformat.write(solved, course / path)
    notebook = open_notebook(page, lab, path)

    dialog = validate(notebook)
    expect(dialog.locator(".validation-success")).to_contain_text(
        "Success! Your notebook passes all the tests."
    )
    screenshot(page, "validate-solved")


def test_formgrader_lists_the_assignments(page: Page, lab: LabServer) -> None:
    page.goto(lab.lab_url())
    page.wait_for_function("() => !!window.jupyterapp")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Nbgrader", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()

    formgrader = page.frame_locator(".jp-MainAreaWidget iframe")
    table = formgrader.locator("table")
    expect(table.first).to_be_visible()
    for name in assignments(NOTEBOOKS):
        expect(formgrader.get_by_role("link", name=name, exact=True)).to_be_visible()
    screenshot(page, "formgrader-assignments")
