"""helpers.checkpoint: each notebook's layers, from ``lending_reference``, as ``lending.*``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

import helpers.checkpoint
from helpers.checkpoint import (
    BUILT,
    PACKAGE,
    REFERENCE,
    Checkpoint,
    CheckpointError,
    from_this_notebook,
    grow_from_this_notebook,
    layers_for,
    notebook_number,
    reference_names,
    reference_version,
    restore,
    versions,
)

pytestmark = pytest.mark.usefixtures("clean_lending")


# --- notebook_number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notebook_id", "number"),
    [("00-orientation", 0), ("01-schemas", 1), ("10-deploy", 10), ("03-repo-layer", 3), ("07", 7)],
)
def test_notebook_number(notebook_id: str, number: int) -> None:
    assert notebook_number(notebook_id) == number


@pytest.mark.parametrize(
    "notebook_id", ["", "schemas", "1-schemas", "001-schemas", "ab-schemas", "-01-x", " 01-x"]
)
def test_notebook_number_rejects_malformed_ids(notebook_id: str) -> None:
    with pytest.raises(ValueError, match="notebook ids look like '03-repositories'"):
        notebook_number(notebook_id)


# --- the table and the shipped reference -------------------------------------------------------


def test_every_version_in_the_table_has_its_file_and_no_file_is_unlisted() -> None:
    listed = {version.path for version in versions()}
    assert all(path.is_file() for path in listed), sorted(p for p in listed if not p.is_file())
    history = REFERENCE / "history"
    stray = {p for p in history.rglob("*.py")} - listed if history.is_dir() else set()
    assert stray == set(), f"history files no row of BUILT names: {sorted(stray)}"


def test_the_table_is_in_syllabus_order_and_names_each_layer_once_per_notebook() -> None:
    numbers = [notebook_number(notebook) for notebook, _ in BUILT]
    assert numbers == sorted(set(numbers))
    for _, layers in BUILT:
        assert len(set(layers)) == len(layers)


# --- a toy reference with a revised layer --------------------------------------------------------


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reference of three layers, ``schemas`` revised by a later notebook (07)."""
    root = tmp_path / "toy_reference"
    (root / "history" / "01-schemas").mkdir(parents=True)
    (root / "history" / "01-schemas" / "schemas.py").write_text("KIND = 'schemas v1'\n", "utf-8")
    (root / "schemas.py").write_text("KIND = 'schemas v2'\n", "utf-8")
    (root / "models.py").write_text(
        "from .schemas import KIND as SCHEMAS_KIND\nKIND = 'models'\n", "utf-8"
    )
    (root / "db.py").write_text("from . import models\nKIND = 'db'\n", "utf-8")
    monkeypatch.setattr(helpers.checkpoint, "REFERENCE", root)
    monkeypatch.setattr(
        helpers.checkpoint,
        "BUILT",
        (("01-schemas", ("schemas",)), ("02-models", ("models", "db")), ("07-toy", ("schemas",))),
    )
    return root


def test_the_file_of_a_version_follows_from_the_table(toy: Path) -> None:
    found = [(v.layer, v.notebook, v.path.relative_to(toy).as_posix()) for v in versions()]
    assert found == [
        ("schemas", "01-schemas", "history/01-schemas/schemas.py"),
        ("models", "02-models", "models.py"),
        ("db", "02-models", "db.py"),
        ("schemas", "07-toy", "schemas.py"),
    ]


def test_a_checkpoint_holds_the_latest_version_from_before_the_notebook(toy: Path) -> None:
    assert layers_for("01-schemas") == {}
    assert {k: v.notebook for k, v in layers_for("02-models").items()} == {"schemas": "01-schemas"}
    assert {k: v.notebook for k, v in layers_for("07-toy").items()} == {
        "schemas": "01-schemas",
        "models": "02-models",
        "db": "02-models",
    }
    assert layers_for("07-toy", inclusive=True)["schemas"].notebook == "07-toy"
    assert layers_for("08-next")["schemas"].notebook == "07-toy"


def test_a_later_version_changes_nothing_for_earlier_notebooks(toy: Path) -> None:
    restore("05-routers")
    models = sys.modules["lending.models"]
    assert sys.modules["lending.schemas"].KIND == "schemas v1"
    assert models.SCHEMAS_KIND == "schemas v1"  # the relative import saw this checkpoint

    restore("08-next")
    assert sys.modules["lending.schemas"].KIND == "schemas v2"
    assert sys.modules["lending.models"].SCHEMAS_KIND == "schemas v2"
    assert sys.modules["lending.models"] is not models  # rebuilt on the revised layer


def test_restore_loads_only_the_earlier_layers_and_describes_them(toy: Path) -> None:
    checkpoint = restore("02-models")

    assert list(checkpoint.layers) == ["schemas"]
    assert sys.modules["lending.schemas"] is checkpoint.layers["schemas"]
    assert "lending.models" not in sys.modules and "lending.db" not in sys.modules
    assert checkpoint.describe() == (
        "Restored the reference version of earlier layers:\n  01-schemas: lending.schemas"
    )


def test_restored_layers_import_the_usual_way(toy: Path) -> None:
    checkpoint = restore("05-routers")

    # ``lending`` exists only once a checkpoint is restored, at run time.
    import lending  # type: ignore[import-not-found]
    from lending import schemas

    models = importlib.import_module("lending.models")
    assert schemas.KIND == "schemas v1"
    assert lending.models is models and lending.db.models is models
    assert models.__name__ == "lending.models"
    assert Path(models.__file__) == toy / "models.py"
    assert checkpoint.describe() == (
        "Restored the reference version of earlier layers:\n"
        "  01-schemas: lending.schemas\n"
        "  02-models: lending.models, lending.db"
    )


def test_running_the_setup_again_keeps_the_same_modules(toy: Path) -> None:
    first = restore("05-routers")
    again = restore("05-routers")
    assert all(again.layers[name] is module for name, module in first.layers.items())


def test_the_first_notebooks_restore_nothing(toy: Path) -> None:
    for notebook_id in ("00-orientation", "01-schemas"):
        checkpoint = restore(notebook_id)
        assert checkpoint == Checkpoint(notebook_id)
        assert checkpoint.describe() == "Nothing to restore: this notebook starts from scratch."
        assert "lending.schemas" not in sys.modules


def test_a_stray_lending_module_is_replaced_but_a_real_package_never_hidden(
    toy: Path, tmp_path: Path
) -> None:
    sys.modules[PACKAGE] = ModuleType(PACKAGE)  # a stray module, no file, no path
    restore("02-models")
    assert sys.modules[PACKAGE].__checkpoint__ == "02-models"

    real = ModuleType(PACKAGE)
    real.__file__ = str(tmp_path / "lending" / "__init__.py")
    sys.modules[PACKAGE] = real
    with pytest.raises(CheckpointError, match="would hide it"):
        restore("02-models")
    assert sys.modules[PACKAGE] is real


def test_a_missing_reference_file_is_a_clear_error(toy: Path) -> None:
    (toy / "models.py").unlink()
    with pytest.raises(CheckpointError, match=r"reference version of lending\.models is missing"):
        restore("03-next")
    assert "lending.models" not in sys.modules


def test_a_failing_reference_module_leaves_nothing_half_installed(toy: Path) -> None:
    (toy / "db.py").write_text("raise RuntimeError('broken')\n", "utf-8")
    with pytest.raises(RuntimeError, match="broken"):
        restore("03-next")
    assert "lending.db" not in sys.modules


def test_restore_rejects_a_malformed_id(toy: Path) -> None:
    with pytest.raises(ValueError, match="notebook ids look like"):
        restore("schemas")


# --- the learner's package wins (capstone) -------------------------------------------------------


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "workspace" / PACKAGE
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("", "utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
    return folder.parent


def test_with_a_workspace_its_modules_win_and_the_reference_fills_the_gaps(
    toy: Path, tmp_path: Path
) -> None:
    workspace = _workspace(
        tmp_path,
        {"schemas.py": "KIND = 'mine'\n", "db.py": "import nonexistent_module_for_the_test\n"},
    )
    checkpoint = restore("08-next", workspace=workspace)

    assert checkpoint.own == ("schemas",)
    assert set(checkpoint.fallbacks) == {"db"}
    assert "ModuleNotFoundError" in checkpoint.fallbacks["db"]
    assert sys.modules["lending.schemas"].KIND == "mine"
    assert sys.modules["lending.models"].SCHEMAS_KIND == "mine"  # the reference uses yours
    assert sys.modules["lending.db"].KIND == "db"  # yours failed to import: the reference's
    assert Path(sys.modules[PACKAGE].__path__[0]) == (workspace / PACKAGE).resolve()
    described = checkpoint.describe()
    assert "From your package: lending.schemas" in described
    assert "02-models: lending.models, lending.db" in described
    assert "lending.db from the reference: yours failed to import: ModuleNotFoundError" in described

    again = restore("08-next", workspace=workspace)
    assert again.layers["schemas"] is checkpoint.layers["schemas"]


def test_a_workspace_without_the_package_or_beside_another_one_is_refused(
    toy: Path, tmp_path: Path
) -> None:
    with pytest.raises(CheckpointError, match="no lending package"):
        restore("08-next", workspace=tmp_path / "empty")
    restore("02-models")  # the reference package is imported now
    workspace = _workspace(tmp_path, {})
    with pytest.raises(CheckpointError, match="another lending package is imported"):
        restore("08-next", workspace=workspace)


# --- reference_version ---------------------------------------------------------------------------


def test_reference_version_loads_this_notebooks_answer_without_installing_it(toy: Path) -> None:
    restore("02-models")
    models = reference_version("models")
    assert models.KIND == "models"
    assert models.SCHEMAS_KIND == "schemas v1"  # on this checkpoint's schemas
    assert "lending.models" not in sys.modules
    with pytest.raises(ValueError, match="no layer 'db' is built by 01-schemas"):
        restore("01-schemas")
        reference_version("db")


def test_reference_version_needs_the_setup_first() -> None:
    with pytest.raises(CheckpointError, match="run the setup cell first"):
        reference_version("models")


def test_reference_names_lend_the_answer_for_the_block_only(toy: Path) -> None:
    restore("02-models")
    namespace: dict[str, object] = {"KIND": "the learner's"}
    with reference_names(namespace, "models", "KIND", "SCHEMAS_KIND"):
        assert namespace == {"KIND": "models", "SCHEMAS_KIND": "schemas v1"}
    assert namespace == {"KIND": "the learner's"}
    with pytest.raises(RuntimeError), reference_names(namespace, "models", "KIND"):
        raise RuntimeError("a failing test")
    assert namespace == {"KIND": "the learner's"}


# --- from_this_notebook --------------------------------------------------------------------------


def test_a_notebook_layer_serves_the_names_its_cells_define(
    capsys: pytest.CaptureFixture[str],
) -> None:
    restore("04-services")
    namespace: dict[str, object] = {"NotFound": KeyError}

    from_this_notebook(namespace, "errors")

    assert capsys.readouterr().out == "Importable from this notebook: lending.errors\n"
    # ``lending`` exists only once a checkpoint is restored, at run time.
    from lending.errors import NotFound  # type: ignore[import-not-found]

    assert NotFound is KeyError
    namespace["NotFound"] = LookupError  # the cell is run again with a change
    from lending.errors import NotFound as again

    assert again is LookupError
    assert importlib.import_module("lending").errors is sys.modules["lending.errors"]


def test_a_name_no_cell_has_defined_is_an_import_error() -> None:
    restore("04-services")
    from_this_notebook({}, "errors")

    with pytest.raises(ImportError, match="LoanClosed"):
        from lending.errors import LoanClosed  # noqa: F401
    with pytest.raises(AttributeError, match="not defined in this notebook"):
        sys.modules["lending.errors"].LoanClosed  # noqa: B018


def test_with_the_reference_fallback_missing_names_come_from_the_reference() -> None:
    restore("05-routers")
    namespace: dict[str, object] = {"get_settings": "mine"}

    from_this_notebook(namespace, "settings", "deps", reference_fallback=True)

    # ``lending`` exists only once a checkpoint is restored, at run time.
    from lending.deps import SettingsDep  # type: ignore[import-not-found]
    from lending.settings import Settings, get_settings  # type: ignore[import-not-found]

    assert get_settings == "mine"
    assert Settings.__module__ == "lending.settings"
    assert "loan_days" in Settings.model_fields  # the reference's class
    assert SettingsDep is not None
    with pytest.raises(AttributeError):
        sys.modules["lending.settings"].no_such_name  # noqa: B018


def test_a_grown_layer_serves_the_notebook_then_the_installed_module_then_the_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The capstone: a cell's new name, else the learner's (here the checkpoint's) module,
    else the reference's latest version; growing again never wraps the wrapper."""
    checkpoint = restore("11-capstone")
    namespace: dict[str, object] = {"CopyAvailable": KeyError}

    grow_from_this_notebook(namespace, "errors")
    grow_from_this_notebook(namespace, "errors")  # the cell is run again

    assert capsys.readouterr().out.count("lending.errors") == 2
    from lending.errors import (
        AlreadyReserved,
        CopyAvailable,
        NotFound,
    )

    assert CopyAvailable is KeyError
    assert NotFound is checkpoint.layers["errors"].NotFound
    assert AlreadyReserved.__module__ == "lending_reference.errors"
    with pytest.raises(AttributeError, match="not defined in this notebook"):
        sys.modules["lending.errors"].no_such_name  # noqa: B018


def test_setup_run_again_keeps_the_notebooks_own_layers() -> None:
    restore("05-routers")
    from_this_notebook({"get_settings": "mine"}, "settings")
    restore("05-routers")
    from lending.settings import get_settings

    assert get_settings == "mine"


def test_from_this_notebook_refuses_an_unknown_layer_or_a_missing_setup() -> None:
    with pytest.raises(RuntimeError, match="run the setup cell first"):
        from_this_notebook({}, "errors")
    restore("04-services")
    with pytest.raises(ValueError, match="no such layer: errrors"):
        from_this_notebook({}, "errrors")
    assert "lending.errrors" not in sys.modules
