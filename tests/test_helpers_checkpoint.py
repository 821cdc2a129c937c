"""helpers.checkpoint: earlier layers restored from the reference as ``lending.<layer>``."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import helpers.checkpoint
from helpers.checkpoint import (
    PACKAGE,
    Checkpoint,
    Layer,
    from_this_notebook,
    notebook_number,
    restore,
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


# --- restore -------------------------------------------------------------------------------------


@pytest.fixture
def fake_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Tiny reference modules, built in notebooks 01 and 02, in place of the real ones."""
    tag = uuid.uuid4().hex[:8]
    names = {layer: f"ref_{layer}_{tag}" for layer in ("schemas", "models", "db")}
    (tmp_path / f"{names['schemas']}.py").write_text("KIND = 'schemas'\n", "utf-8")
    (tmp_path / f"{names['models']}.py").write_text(
        "from lending.schemas import KIND as SCHEMAS_KIND\nKIND = 'models'\n", "utf-8"
    )
    (tmp_path / f"{names['db']}.py").write_text("KIND = 'db'\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        helpers.checkpoint,
        "LAYERS",
        (
            Layer("schemas", "01-schemas", names["schemas"]),
            Layer("models", "02-models", names["models"]),
            Layer("db", "02-models", names["db"]),
        ),
    )
    try:
        yield names
    finally:
        for name in names.values():
            sys.modules.pop(name, None)


def test_the_first_notebooks_restore_nothing(fake_layers: dict[str, str]) -> None:
    for notebook_id in ("00-orientation", "01-schemas"):
        checkpoint = restore(notebook_id)
        assert checkpoint == Checkpoint(notebook_id)
        assert checkpoint.layers == {}
        assert checkpoint.describe() == "Nothing to restore: this notebook starts from scratch."
        assert "lending.schemas" not in sys.modules
    assert fake_layers["schemas"] not in sys.modules  # not even imported


def test_restore_with_the_shipped_layers_for_orientation() -> None:
    checkpoint = restore("00-orientation")
    assert checkpoint.layers == {}
    assert sys.modules[PACKAGE].__checkpoint__ is True  # type: ignore[attr-defined]


def test_restore_aliases_only_the_earlier_layers(fake_layers: dict[str, str]) -> None:
    checkpoint = restore("02-models")

    schemas = sys.modules[fake_layers["schemas"]]
    assert checkpoint.layers == {"schemas": schemas}
    assert sys.modules["lending.schemas"] is schemas
    assert "lending.models" not in sys.modules and "lending.db" not in sys.modules
    assert checkpoint.describe() == (
        "Restored the reference version of earlier layers:\n  01-schemas: lending.schemas"
    )


def test_restored_layers_import_the_usual_way(fake_layers: dict[str, str]) -> None:
    checkpoint = restore("05-api")

    assert list(checkpoint.layers) == ["schemas", "models", "db"]
    import lending  # type: ignore[import-not-found]
    from lending import schemas  # type: ignore[import-not-found]

    models = importlib.import_module("lending.models")
    assert schemas.KIND == "schemas"
    assert models.KIND == "models"
    assert models.SCHEMAS_KIND == "schemas"  # a later layer sees the earlier one as lending.*
    assert lending.models is models
    assert checkpoint.describe() == (
        "Restored the reference version of earlier layers:\n"
        "  01-schemas: lending.schemas\n"
        "  02-models: lending.models, lending.db"
    )


def test_the_lending_package_is_reused_across_restores(fake_layers: dict[str, str]) -> None:
    restore("02-models")
    package = sys.modules[PACKAGE]
    restore("03-repositories")
    assert sys.modules[PACKAGE] is package
    assert package.models is sys.modules["lending.models"]  # type: ignore[attr-defined]


def test_a_foreign_lending_module_is_replaced_by_the_checkpoint_package(
    fake_layers: dict[str, str],
) -> None:
    foreign = ModuleType(PACKAGE)
    sys.modules[PACKAGE] = foreign

    restore("02-models")

    package = sys.modules[PACKAGE]
    assert package is not foreign
    assert package.__checkpoint__ is True  # type: ignore[attr-defined]
    assert package.__path__ == []


def test_restore_rejects_a_malformed_id(fake_layers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="notebook ids look like"):
        restore("schemas")


def test_a_missing_reference_module_is_a_loud_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        helpers.checkpoint,
        "LAYERS",
        (Layer("schemas", "01-schemas", f"no_such_reference_{uuid.uuid4().hex}"),),
    )
    with pytest.raises(ModuleNotFoundError):
        restore("02-models")


# --- from_this_notebook ----------------------------------------------------------------------


def test_a_notebook_layer_serves_the_names_its_cells_define(
    capsys: pytest.CaptureFixture[str],
) -> None:
    restore("04-services")
    namespace: dict[str, object] = {"NotFound": KeyError}

    from_this_notebook(namespace, "errors")

    assert capsys.readouterr().out == "Importable from this notebook: lending.errors\n"
    from lending.errors import NotFound  # type: ignore[import-not-found]

    assert NotFound is KeyError
    namespace["NotFound"] = LookupError  # the cell is run again with a change
    from lending.errors import NotFound as again  # type: ignore[import-not-found]

    assert again is LookupError
    assert importlib.import_module("lending").errors is sys.modules["lending.errors"]


def test_a_name_no_cell_has_defined_is_an_import_error() -> None:
    restore("04-services")
    from_this_notebook({}, "errors")

    with pytest.raises(ImportError, match="LoanClosed"):
        from lending.errors import LoanClosed  # type: ignore[import-not-found]  # noqa: F401
    with pytest.raises(AttributeError, match="not defined in this notebook"):
        sys.modules["lending.errors"].LoanClosed  # noqa: B018


def test_with_the_reference_fallback_missing_names_come_from_the_reference() -> None:
    restore("05-routers")
    namespace: dict[str, object] = {"get_settings": "mine"}

    from_this_notebook(namespace, "settings", reference_fallback=True)

    from helpers.reference.settings import Settings as ReferenceSettings
    from lending.settings import Settings, get_settings  # type: ignore[import-not-found]

    assert get_settings == "mine"
    assert Settings is ReferenceSettings
    with pytest.raises(AttributeError):
        sys.modules["lending.settings"].no_such_name  # noqa: B018


def test_from_this_notebook_refuses_an_unknown_layer_or_a_missing_setup() -> None:
    with pytest.raises(RuntimeError, match="run the setup cell first"):
        from_this_notebook({}, "errors")
    restore("04-services")
    with pytest.raises(ValueError, match="no such layer: errrors"):
        from_this_notebook({}, "errrors")
    assert "lending.errrors" not in sys.modules
