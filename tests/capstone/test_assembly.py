"""helpers.capstone.assemble: which layers stay the learner's, and what fills the rest.

Workspaces are built from the solution notebooks' workspace cells (``conftest.py``): a
learner who did everything, only notebooks 03 and 07, or nothing; then broken in the ways
a real workspace breaks (a syntax error, a missing name, a class without a member, a
damaged manifest).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import helpers.capstone.requirements
import helpers.notebook
import helpers.workspace
from helpers.capstone import CapstoneError, Package, assemble
from helpers.capstone.fragments import fragments_of
from helpers.capstone.state import RECORD, REPLACED
from helpers.checkpoint import REFERENCE, layers_for
from helpers.workspace import MANIFEST, Workspace, saving_enabled, workspace_dir
from helpers.workspace import assemble as assemble_fragments

from .conftest import learners_workspace, workspace_cells

TESTS = "tests/test_reservations.py"
UNSOLVED = {
    TESTS: "it imports CopyAvailable, ReservationNotReady, ReservationService and 2 more, "
    "which this notebook adds to your package"
}


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace of a learner who did notebooks 00-10 (a template: copy it)."""
    return learners_workspace(tmp_path_factory.mktemp("everything") / "workspace")


def copy_of(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "workspace"))


def line_of(package: Package, layer: str) -> str:
    return next(line for line in package.describe().splitlines() if f"lending.{layer} " in line)


def test_a_learner_who_did_everything_keeps_every_layer_they_saved(
    everything: Path, tmp_path: Path
) -> None:
    package = assemble(copy_of(everything, tmp_path))
    assert package.layers_from_reference == ("reads",)
    choices = package.assembly.layers
    assert {"Member", "Loan"} <= set(choices["models"].updated)  # 08's columns and check
    assert "create_app" in choices["app"].updated
    assert {"auth", "ROUTERS", "log_in"} <= set(choices["routers"].updated)
    assert not choices["services"].updated and choices["services"].yours
    assert "yours, with the reference's" in line_of(package, "models")
    assert "notebook 08 revised them" in line_of(package, "models")
    models = (package.root / "lending" / "models.py").read_text("utf-8")
    assert "joined_on" in models  # the migrations create it: the models now agree
    app = (package.root / "lending" / "app.py").read_text("utf-8")
    assert "from lending.routers import ROUTERS" in app and "\nROUTERS =" not in app
    assert (package.root / REPLACED / "lending" / "models.py").is_file()
    assert package.assembly.files == {
        "conftest.py": None,
        "tests/test_lending.py": None,
        **UNSOLVED,
    }


def test_the_capstones_tests_become_yours_once_its_cell_runs(tmp_path: Path) -> None:
    root = learners_workspace(tmp_path / "workspace", ["07-testing"])
    before = assemble(root)
    assert before.assembly.files[TESTS] == UNSOLVED[TESTS]
    assert not (root / TESTS).exists()  # it could not be collected without 11's layers
    workspace = Workspace(root)
    cells = workspace_cells("11-capstone")
    for module, source in cells:
        if module != TESTS:
            workspace.save(module, source)
    reserving = assemble(root)  # 11's layers are there: the reference's tests can run
    assert (
        reserving.assembly.files[TESTS]
        == "not in your package: this notebook's exercise 7 writes it"
    )
    assert (root / TESTS).is_file()
    for module, source in cells:
        if module == TESTS:
            workspace.save(module, source.replace("first_in_line", "first_member_in_line"))
    package = assemble(root)
    assert package.assembly.files[TESTS] is None
    assert package.describe_file(TESTS) == f"{TESTS}: yours"


def test_a_learner_who_did_everything_and_the_capstone_keeps_every_layer(
    everything: Path, tmp_path: Path
) -> None:
    """11's cells redefine a few names of cells from 05 and 06 (``get_lending``, beside
    05's ``CatalogueDep``; the table of problem types): the rest of those cells stays."""
    root = copy_of(everything, tmp_path)
    assemble(root)
    workspace = Workspace(root)
    for module, source in workspace_cells("11-capstone"):
        workspace.save(module, source)
    package = assemble(root)
    assert package.layers_from_reference == ("reads",)
    deps = (root / "lending" / "deps.py").read_text("utf-8")
    assert "CatalogueDep = " in deps and "ReservationsDep = " in deps
    problems = (root / "lending" / "problems.py").read_text("utf-8")
    assert "RESERVATION_PROBLEMS" in problems
    assert "def post_reservation(" in (root / "lending" / "routers.py").read_text("utf-8")


def test_a_learner_who_did_nothing_gets_the_reference(tmp_path: Path) -> None:
    package = assemble(tmp_path / "nothing-yet")
    assert set(package.layers_from_reference) == set(package.assembly.layers)
    assert "not in your package: notebook 04 builds it" in line_of(package, "services")
    assert all(reason for reason in package.assembly.files.values())
    assert (package.root / "pyproject.toml").is_file()
    assert (package.root / "lending" / "migrations" / "env.py").is_file()
    folder = package.root / "lending" / "migrations" / "versions"
    versions = sorted(path.name[:4] for path in folder.glob("*.py"))
    assert versions == ["0001", "0002", "0003", "0004"]
    assert not (package.root / REPLACED).exists()


def test_a_learner_who_did_only_03_and_07_keeps_those(tmp_path: Path) -> None:
    root = learners_workspace(tmp_path / "workspace", ["03-repositories", "07-testing"])
    package = assemble(root)
    assert set(package.assembly.layers) - set(package.layers_from_reference) == {
        "repositories",
        "testing",
    }
    repositories = package.assembly.layers["repositories"]
    assert "SqlBookRepository" in repositories.updated  # notebook 10's list_rows
    assert "SqlMemberRepository" not in repositories.updated  # their own answer stays
    assert package.assembly.files == {
        "conftest.py": None,
        "tests/test_lending.py": None,
        **UNSOLVED,
    }


def test_a_module_that_is_not_python_is_set_aside(everything: Path, tmp_path: Path) -> None:
    root = copy_of(everything, tmp_path)
    (root / "lending" / "services.py").write_text("def borrow(:\n", "utf-8")
    package = assemble(root)
    assert "services" in package.layers_from_reference
    assert "yours is not valid Python (line 1)" in line_of(package, "services")
    assert (root / REPLACED / "lending" / "services.py").read_text("utf-8") == "def borrow(:\n"
    assert "class LendingService" in (root / "lending" / "services.py").read_text("utf-8")


def test_a_layer_without_a_name_the_package_imports_is_replaced(
    everything: Path, tmp_path: Path
) -> None:
    root = copy_of(everything, tmp_path)
    (root / "lending" / "errors.py").write_text(
        "class LendingError(Exception):\n    pass\n", "utf-8"
    )
    package = assemble(root)
    line = line_of(package, "errors")
    assert "from the reference (yours lacks AlreadyBorrowed, BookHasLoans, Conflict and " in line
    assert "imported by lending/problems.py, lending/security.py, lending/services.py" in line


def test_a_class_without_a_member_the_reference_has_is_replaced(tmp_path: Path) -> None:
    # notebook 05's settings, without notebook 09's: no token_secret for the security layer
    root = learners_workspace(tmp_path / "workspace", ["05-routers"])
    package = assemble(root)
    line = line_of(package, "settings")
    assert "from the reference (yours lacks Settings." in line


def test_a_layer_that_fails_to_import_is_replaced(everything: Path, tmp_path: Path) -> None:
    root = copy_of(everything, tmp_path)
    clock = root / "lending" / "clock.py"
    clock.write_text(clock.read_text("utf-8") + "\nSTART = 1 / 0\n", "utf-8")
    package = assemble(root)
    assert "yours fails to import (ZeroDivisionError: division by zero)" in line_of(
        package, "clock"
    )


def test_a_damaged_manifest_is_rebuilt_from_the_files(everything: Path, tmp_path: Path) -> None:
    root = copy_of(everything, tmp_path)
    (root / MANIFEST).write_text("{not json", "utf-8")
    assemble(root)
    manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    assert {"lending/services.py", "lending/routers.py", "tests/test_lending.py"} <= set(manifest)
    Workspace(root).save("lending/services.py", "def queue_length() -> int:\n    return 0\n")
    services = (root / "lending" / "services.py").read_text("utf-8")
    assert "def queue_length()" in services and "class LendingService" in services


def test_a_capstone_cell_joins_a_filled_layer_and_stays(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    assemble(root)
    Workspace(root).save("lending/services.py", "def queue_length() -> int:\n    return 0\n")
    Workspace(root).save("lending/routers.py", "ROUTERS = (authors, books, health)\n")
    package = assemble(root)
    assert package.assembly.layers["services"].additions == ("queue_length",)
    assert "with your queue_length" in line_of(package, "services")
    text = (root / "lending" / "routers.py").read_text("utf-8")
    assert "ROUTERS = (authors, books, health)" in text and "def log_in(" in text


def test_a_redefinition_in_an_updated_layer_survives_reassembly(
    everything: Path, tmp_path: Path
) -> None:
    root = copy_of(everything, tmp_path)
    assemble(root)
    Workspace(root).save("lending/routers.py", "ROUTERS = (books, health, auth)\n")
    assemble(root)
    assert "ROUTERS = (books, health, auth)" in (root / "lending/routers.py").read_text("utf-8")
    record = json.loads((root / RECORD).read_text("utf-8"))
    assert "ROUTERS" in record["lending/routers.py"]["updated"]


def test_the_learners_own_revisions_are_kept_and_clashing_ones_set_aside(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    versions = root / "lending" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0002_mine.py").write_text('revision = "0002"\ndown_revision = "0001"\n', "utf-8")
    (versions / "0005_reservations.py").write_text(
        'revision = "0005"\ndown_revision = "0004"\n', "utf-8"
    )
    package = assemble(root)
    assert package.assembly.revisions == ("0005",)
    assert (root / REPLACED / "lending/migrations/versions/0002_mine.py").is_file()
    assert not (versions / "0002_mine.py").exists()
    assert "migrations: 0001-0004 from the reference; yours: 0005" in package.describe()


def test_under_nbgrader_a_private_folder_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instructor = tmp_path / "instructor"
    learners_workspace(instructor, ["00-orientation"])
    before = sorted(p.relative_to(instructor) for p in instructor.rglob("*"))
    monkeypatch.setenv("COURSE_WORKSPACE", str(instructor))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(helpers.workspace, "_PRIVATE", [])
    package = assemble()
    assert not package.root.is_relative_to(instructor)
    assert sorted(p.relative_to(instructor) for p in instructor.rglob("*")) == before
    assert "clock" in package.layers_from_reference  # the instructor's clock is not used
    assert workspace_dir() == package.root and saving_enabled()
    assert "in a private temporary folder (graded: your workspace is not used):" in (
        package.describe()
    )
    assert assemble().root == package.root  # the setup cell again: the same folder


@pytest.mark.usefixtures("clean_lending")
def test_start_makes_the_workspace_whole_and_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers import start

    root = learners_workspace(tmp_path / "workspace", ["03-repositories", "07-testing"])
    monkeypatch.setenv("COURSE_WORKSPACE", str(root))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(helpers.notebook, "_shell", lambda: None)  # no hooks to leave behind
    start("11-capstone", your_package=True)
    shown = capsys.readouterr().out
    assert "Your package, lending-service, in $COURSE_WORKSPACE:" in shown
    app = sys.modules["lending.app"]
    assert Path(str(app.__file__)).resolve().is_relative_to(root.resolve())
    assert sys.modules["lending.repositories"].SqlMemberRepository is not None


@pytest.mark.usefixtures("clean_lending")
def test_graded_the_kernels_workspace_cells_join_the_private_package(
    shell: InteractiveShell,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers import start

    instructor = tmp_path / "instructor"
    instructor.mkdir()
    monkeypatch.setenv("COURSE_WORKSPACE", str(instructor))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(helpers.workspace, "_PRIVATE", [])
    start("11-capstone", your_package=True)
    try:
        cell = "# workspace: lending/services.py\ndef queue_length() -> int:\n    return 0\n"
        assert shell.run_cell(cell, store_history=False).success
        assert "Saved to your package: lending/services.py" in capsys.readouterr().out
        package = assemble()
        assert package.assembly.layers["services"].additions == ("queue_length",)
        assert list(instructor.iterdir()) == []
    finally:
        shell.set_custom_exc((), None)
        for hook in list(shell.events.callbacks["post_run_cell"]):
            if getattr(hook, "__course_hook__", False):
                shell.events.unregister("post_run_cell", hook)


def test_an_empty_module_is_replaced(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    (root / "lending").mkdir(parents=True)
    (root / "lending" / "clock.py").write_text('"""Nothing yet."""\n', "utf-8")
    package = assemble(root)
    assert "from the reference (yours defines nothing)" in line_of(package, "clock")


def test_assembling_again_changes_nothing(everything: Path, tmp_path: Path) -> None:
    root = copy_of(everything, tmp_path)
    first = assemble(root)

    def contents() -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    before = contents()
    again = assemble(root)
    assert contents() == before
    assert again.describe() == first.describe()


def test_a_module_that_never_finishes_importing_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helpers.capstone.requirements, "PROBE_TIMEOUT_S", 5)
    root = learners_workspace(tmp_path / "workspace", ["00-orientation"])
    clock = root / "lending" / "clock.py"
    clock.write_text(clock.read_text("utf-8") + "\nwhile True:\n    pass\n", "utf-8")
    with pytest.raises(CapstoneError, match="did not finish within 5 s: a module of yours"):
        assemble(root)


def test_the_answer_key_as_a_package_has_notebook_11s_versions_and_every_revision(
    tmp_path: Path,
) -> None:
    package = assemble(tmp_path / "answers", answers=True)
    for layer, version in layers_for("11-capstone", inclusive=True).items():
        written = (package.root / "lending" / f"{layer}.py").read_text("utf-8")
        assert written == assemble_fragments(fragments_of(version.path.read_text("utf-8")))
    chain = sorted(p.name[:4] for p in (REFERENCE / "migrations" / "versions").glob("*.py"))
    assert package.assembly.reference_revisions == tuple(chain)
    shipped = sorted(
        p.name[:4] for p in (package.root / "lending/migrations/versions").glob("*.py")
    )
    assert shipped == chain


def test_a_layer_that_breaks_another_inside_a_library_is_replaced(tmp_path: Path) -> None:
    root = learners_workspace(tmp_path / "workspace", ["01-schemas"])
    schemas = root / "lending" / "schemas.py"
    schemas.write_text(schemas.read_text("utf-8") + "\n\nBookRead = 5\n", "utf-8")
    package = assemble(root)  # pydantic refuses the read path's TypeAdapter of BookRead
    line = line_of(package, "schemas")
    assert "from the reference (lending.reads fails to import with yours (Pydantic" in line
