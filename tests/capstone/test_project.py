"""The capstone's tables and project files agree with what they describe.

``SAVED`` with the solution notebooks' workspace cells; the reference suite with notebook
07's answers and the capstone's reservation tests with its own (the package of a learner
without them gets exactly those); the package's
pins with the course's; ``REVISIONS`` with the reference chain.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from helpers.capstone.assembly import PROJECT, REVISIONS, SAVED
from helpers.checkpoint import BUILT, REFERENCE
from helpers.migrations import revision_of
from helpers.workspace import PACKAGE, Workspace

from .conftest import BEFORE_CAPSTONE, workspace_cells

COURSE = Path(__file__).resolve().parents[2]


def test_saved_lists_the_layers_each_notebook_saves() -> None:
    for notebook in BEFORE_CAPSTONE:
        modules = {module for module, _ in workspace_cells(notebook)}
        layers = {Path(module).stem for module in modules if Path(module).parts[0] == PACKAGE}
        assert set(SAVED[notebook]) == layers, notebook
    assert set(SAVED) == set(BEFORE_CAPSTONE)
    assert [notebook for notebook, _ in BUILT][: len(BEFORE_CAPSTONE)] == list(BEFORE_CAPSTONE)


def test_the_reference_suite_is_notebook_07s_answers(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    for module, source in workspace_cells("07-testing"):
        if not module.startswith(f"{PACKAGE}/"):
            workspace.save(module, source)
    for name in ("conftest.py", "tests/test_lending.py"):
        assert (PROJECT / name).read_text("utf-8") == (tmp_path / name).read_text("utf-8"), (
            f"{PROJECT / name} differs from notebook 07's solution cells: regenerate it "
            "(tests/capstone/test_project.py shows how: save 07's cells to a Workspace)"
        )


def test_the_reference_reservation_tests_are_notebook_11s_answers(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    for module, source in workspace_cells("11-capstone"):
        if module == "tests/test_reservations.py":
            workspace.save(module, source)
    name = "tests/test_reservations.py"
    assert (PROJECT / name).read_text("utf-8") == (tmp_path / name).read_text("utf-8"), (
        f"{PROJECT / name} differs from notebook 11's solution cell: regenerate it by saving "
        "that cell to a Workspace"
    )


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        pins[name] = version
    return pins


def test_the_packages_pins_are_the_courses() -> None:
    course = tomllib.loads((COURSE / "pyproject.toml").read_text("utf-8"))["project"]
    package = tomllib.loads((PROJECT / "pyproject.toml").read_text("utf-8"))["project"]
    known = _pins(course["dependencies"] + course["optional-dependencies"]["dev"])
    wanted = package["dependencies"] + [
        pin for extra in package["optional-dependencies"].values() for pin in extra if "==" in pin
    ]
    for name, version in _pins(wanted).items():
        assert known.get(name) == version, f"{name}=={version}: the course pins {known.get(name)}"
    assert package["name"] == "lending-service"


def test_the_reference_revisions_before_the_capstone_are_one_chain() -> None:
    versions = REFERENCE / "migrations" / "versions"
    for down, revision in zip((None, *REVISIONS), REVISIONS, strict=False):
        (path,) = versions.glob(f"{revision}_*.py")
        assert revision_of(path.read_text("utf-8")) == (revision, down)
