"""helpers.typecheck: mypy --strict from a notebook, with reports that read the same anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.typecheck import check_folder, check_source


def test_a_clean_module_passes() -> None:
    report = check_source("def double(x: int) -> int:\n    return 2 * x\n", module="clean")
    assert report.ok
    assert str(report) == "Success: no issues found in 1 source file"


def test_strict_mode_refuses_a_missing_annotation_and_names_the_module_only() -> None:
    report = check_source("def double(x):\n    return 2 * x\n", module="loose")
    assert not report.ok
    assert report.text.startswith("loose.py:1: error: Function is missing a type annotation")
    assert "/" not in report.text.split("\n")[0].split(":")[0]


def test_a_folder_configuration_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mypy]\nignore_errors = true\n")
    (tmp_path / "loose.py").write_text("def double(x):\n    return 2 * x\n")
    assert not check_folder(tmp_path, "loose.py").ok


@pytest.mark.parametrize("module", ["", "two words", "class", "uow.py"])
def test_a_bad_module_name_is_refused(module: str) -> None:
    with pytest.raises(ValueError, match="not a module name"):
        check_source("x = 1\n", module=module)


def test_nothing_to_check_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name what to check"):
        check_folder(tmp_path)
