"""helpers.workspace: the learner's package, assembled from workspace cells."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from helpers.files import write_atomic
from helpers.workspace import (
    HEADER,
    MANIFEST,
    Fragment,
    Workspace,
    WorkspaceError,
    assemble,
    course_root,
    merge_imports,
    saving_enabled,
    split,
    target_of,
    workspace_dir,
)

# --- target_of -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("# workspace: lending/schemas.py\nclass A: ...", "lending/schemas.py"),
        ("#workspace:lending/schemas.py\nX = 1", "lending/schemas.py"),
        ("#   workspace:   lending/api/routes.py   \nX = 1", "lending/api/routes.py"),
        ("\n\n  # workspace: lending/schemas.py\nX = 1", "lending/schemas.py"),
        ("# workspace: lending/schemas.py\r\nX = 1", "lending/schemas.py"),
        ("# workspace: lending/./schemas.py\nX = 1", "lending/schemas.py"),
        ("# workspace: lending/__init__.py\nX = 1", "lending/__init__.py"),
        ("# workspace: tools.py\nX = 1", "tools.py"),
        ("# workspace: lending/schemas.py", "lending/schemas.py"),
    ],
)
def test_target_of_reads_the_directive(source: str, module: str) -> None:
    assert target_of(source) == module


@pytest.mark.parametrize(
    "source",
    [
        "",
        "class A: ...",
        "X = 1\n# workspace: lending/schemas.py",  # not the first line
        "# Exercise 1: schemas\nX = 1",
        "# workspaces: lending/schemas.py\nX = 1",
        "# workspace:\nX = 1",
        "# workspace: lending/my schemas.py\nX = 1",  # two words: not a directive at all
        "print('# workspace: lending/schemas.py')",
    ],
)
def test_target_of_is_none_without_a_directive(source: str) -> None:
    assert target_of(source) is None


@pytest.mark.parametrize(
    "path",
    [
        "../x.py",
        "lending/../../x.py",
        "/etc/x.py",
        "/lending/schemas.py",
        "a/b.txt",
        "lending/schemas",
        "lending/1bad.py",
        "lending/bad-name.py",
        "my-pkg/schemas.py",
        "lending/schemas.py.py",
        "lending/.py",
        "lending\\schemas.py",
        "~/x.py",
    ],
)
def test_target_of_rejects_paths_outside_the_package_or_not_modules(path: str) -> None:
    with pytest.raises(WorkspaceError, match="must name a module file inside the package"):
        target_of(f"# workspace: {path}\nX = 1")


def test_workspace_error_is_a_value_error() -> None:
    assert issubclass(WorkspaceError, ValueError)


# --- split ---------------------------------------------------------------------------------------


def test_split_hoists_imports_and_finds_names() -> None:
    source = (
        "# workspace: lending/schemas.py\n"
        "from __future__ import annotations\n"
        "import re\n"
        "from pydantic import (\n"
        "    BaseModel,\n"
        "    Field,\n"
        ")\n"
        "\n"
        "PATTERN = re.compile('x')\n"
        "LIMIT: int = 3\n"
        "later: str\n"
        "\n"
        "class Member(BaseModel):\n"
        "    name: str = Field(min_length=1)\n"
        "\n"
        "def helper():\n"
        "    # a comment inside a function is kept\n"
        "    return 1\n"
        "\n"
        "async def fetch():\n"
        "    return 2\n"
    )
    fragment = split(source)
    assert fragment.imports == (
        "from __future__ import annotations",
        "import re",
        "from pydantic import (\n    BaseModel,\n    Field,\n)",
    )
    assert fragment.names == ("PATTERN", "LIMIT", "later", "Member", "helper", "fetch")
    assert "# workspace:" not in fragment.body
    assert "import" not in fragment.body
    assert "# a comment inside a function is kept" in fragment.body
    assert fragment.body.startswith("PATTERN = re.compile('x')")
    assert fragment.body.endswith("async def fetch():\n    return 2")


def test_split_keeps_decorators_with_their_definitions() -> None:
    source = (
        "import functools\n"
        "from dataclasses import dataclass\n"
        "\n"
        "@functools.cache\n"
        "@functools.wraps(print)\n"
        "def cached():\n"
        "    return 1\n"
        "\n"
        "@dataclass(frozen=True)\n"
        "class Copy:\n"
        "    id: int\n"
    )
    fragment = split(source)
    assert fragment.names == ("cached", "Copy")
    assert fragment.body == (
        "@functools.cache\n"
        "@functools.wraps(print)\n"
        "def cached():\n"
        "    return 1"
        "\n\n"  # the cell's own spacing is kept
        "@dataclass(frozen=True)\n"
        "class Copy:\n"
        "    id: int"
    )


def test_split_finds_every_name_of_a_chained_assignment() -> None:
    assert split("A = B = 1").names == ("A", "B")


def test_split_does_not_count_an_augmented_assignment_as_a_definition() -> None:
    assert split("X = 1\nX += 1").names == ("X",)
    with pytest.raises(WorkspaceError, match="must define something"):
        split("X += 1")


def test_split_finds_the_names_of_an_unpacking_assignment() -> None:
    assert split("a, (b, c) = 1, (2, 3)").names == ("a", "b", "c")


def test_split_keeps_statements_that_share_a_line_once() -> None:
    fragment = split("import os; SEP = os.sep")
    assert fragment.imports == ("import os",)
    assert fragment.body == "SEP = os.sep"


def test_split_keeps_the_cells_comments_and_drops_its_directive() -> None:
    fragment = split("# workspace: lending/x.py\nimport os\n\n# the separator\nSEP = os.sep  # why")
    assert fragment.body == "# the separator\nSEP = os.sep  # why"


def test_split_cuts_non_ascii_lines_at_the_right_place() -> None:
    fragment = split('T = "é"; import os; Z = 3')
    assert (fragment.imports, fragment.body) == (("import os",), 'T = "é"; Z = 3')


def test_split_rejects_invalid_python() -> None:
    with pytest.raises(WorkspaceError, match=r"not valid Python: .* \(line 2\)") as info:
        split("X = 1\ndef broken(:\n    pass")
    assert isinstance(info.value.__cause__, SyntaxError)


@pytest.mark.parametrize(
    "source",
    [
        "",
        "# workspace: lending/schemas.py\n# only a comment",
        "import os",
        "print('hello')",
        "if True:\n    X = 1",
    ],
)
def test_split_rejects_a_cell_that_defines_no_top_level_name(source: str) -> None:
    with pytest.raises(WorkspaceError, match="must define something at top level"):
        split(source)


def test_fragment_is_frozen() -> None:
    fragment = split("X = 1")
    with pytest.raises(ValueError, match="frozen"):
        # Wrong on purpose: the fragment is frozen.
        fragment.body = "Y = 2"  # type: ignore[misc]


# --- assemble ------------------------------------------------------------------------------------


def test_assemble_puts_the_header_then_imports_then_bodies() -> None:
    first = Fragment(names=("A",), imports=("import os",), body="A = os.sep")
    second = Fragment(
        names=("B",),
        imports=("import os", "from __future__ import annotations"),
        body="def B() -> A:\n    return A",
    )
    text = assemble([first, second])
    assert text == (
        HEADER
        + "\nfrom __future__ import annotations\n\nimport os\n"
        + "\nA = os.sep\n\n\ndef B() -> A:\n    return A\n"
    )
    compile(text, "assembled.py", "exec")  # __future__ sits right after the docstring


def test_merge_imports_lays_them_out_as_ruff_would() -> None:
    merged = merge_imports(
        [
            "from pydantic import BaseModel",
            "from pydantic import Field, ConfigDict",
            "import os",
            "from lending.schemas import BookRead",
            "from datetime import date",
            "from pydantic import BaseModel",
            "import sqlalchemy as sa",
            "from typing import Self, Any",
            "from .models import Book",
        ]
    )
    assert merged == (
        "import os\n"
        "from datetime import date\n"
        "from typing import Any, Self\n"
        "\n"
        "import sqlalchemy as sa\n"
        "from pydantic import BaseModel, ConfigDict, Field\n"
        "\n"
        "from .models import Book\n"
        "from lending.schemas import BookRead"
    )


def test_merge_imports_wraps_a_long_line() -> None:
    names = [f"name_{i}" for i in range(12)]
    merged = merge_imports([f"from package import {', '.join(names)}"])
    assert merged.splitlines()[0] == "from package import ("
    assert merged.splitlines()[-1] == ")"


def test_assemble_without_imports() -> None:
    text = assemble([Fragment(names=("A",), imports=(), body="A = 1")])
    assert text == HEADER + "\nA = 1\n"
    compile(text, "assembled.py", "exec")


# --- Workspace.save ------------------------------------------------------------------------------

SHELF_V1 = (
    "# workspace: lending/shelf.py\n"
    "import re\n"
    "from dataclasses import dataclass\n"
    "\n"
    "@dataclass\n"
    "class Shelf:\n"
    "    books: list\n"
)
LABEL = (
    "# workspace: lending/shelf.py\n"
    "from dataclasses import dataclass\n"
    "\n"
    "def label(shelf):\n"
    "    return f'{len(shelf.books)} books'\n"
)
LIMIT = "# workspace: lending/shelf.py\nMAX_BOOKS = 3\n"
SHELF_V2 = (
    "# workspace: lending/shelf.py\n"
    "from dataclasses import dataclass, field\n"
    "\n"
    "@dataclass\n"
    "class Shelf:\n"
    "    books: list = field(default_factory=list)\n"
    "\n"
    "    def add(self, title):\n"
    "        self.books.append(title)\n"
)


def body_order(text: str) -> list[str]:
    """The top-level names of a module, in order."""
    names = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_save_writes_the_module_the_package_init_and_the_manifest(tmp_path: Path) -> None:
    path = Workspace(tmp_path).save("lending/shelf.py", SHELF_V1)

    assert path == tmp_path / "lending" / "shelf.py"
    text = path.read_text("utf-8")
    assert text.startswith(HEADER)
    assert "import re\nfrom dataclasses import dataclass\n" in text
    assert "@dataclass\nclass Shelf:\n    books: list\n" in text
    assert "# workspace:" not in text
    assert (tmp_path / "lending" / "__init__.py").read_text("utf-8") == ""
    assert not (tmp_path / "__init__.py").exists()
    manifest = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert list(manifest) == ["lending/shelf.py"]
    assert manifest["lending/shelf.py"][0]["names"] == ["Shelf"]


def test_save_creates_every_package_init_of_a_nested_module(tmp_path: Path) -> None:
    Workspace(tmp_path).save("lending/api/routes/books.py", "X = 1")
    for package in ("lending", "lending/api", "lending/api/routes"):
        assert (tmp_path / package / "__init__.py").is_file()


def test_save_does_not_overwrite_an_existing_package_init(tmp_path: Path) -> None:
    Workspace(tmp_path).save("lending/__init__.py", "VERSION = '1'")
    Workspace(tmp_path).save("lending/shelf.py", "X = 1")
    assert "VERSION = '1'" in (tmp_path / "lending" / "__init__.py").read_text("utf-8")


def test_save_keeps_no_temporary_files(tmp_path: Path) -> None:
    Workspace(tmp_path).save("lending/shelf.py", SHELF_V1)
    assert not list(tmp_path.rglob("*.tmp"))


def test_resaving_a_fragment_replaces_it_in_place(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("lending/shelf.py", SHELF_V1)
    workspace.save("lending/shelf.py", LABEL)
    path = workspace.save("lending/shelf.py", LIMIT)
    assert body_order(path.read_text("utf-8")) == ["Shelf", "label", "MAX_BOOKS"]

    path = workspace.save("lending/shelf.py", SHELF_V2)

    text = path.read_text("utf-8")
    assert body_order(text) == ["Shelf", "label", "MAX_BOOKS"]
    assert text.count("class Shelf") == 1
    assert "def add(self, title)" in text
    assert "books: list\n" not in text  # the first version is gone
    assert [f.names for f in workspace.fragments()["lending/shelf.py"]] == [
        ("Shelf",),
        ("label",),
        ("MAX_BOOKS",),
    ]


def test_imports_of_a_replaced_fragment_go_with_it(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("lending/shelf.py", SHELF_V1)
    text = workspace.save("lending/shelf.py", SHELF_V2).read_text("utf-8")
    assert "import re\n" not in text
    assert "from dataclasses import dataclass, field\n" in text


def test_a_fragment_redefining_names_of_two_others_takes_the_first_place(
    tmp_path: Path,
) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("m.py", "A = 1")
    workspace.save("m.py", "B = 2")
    workspace.save("m.py", "C = 3")
    text = workspace.save("m.py", "C = 30\nB = 20").read_text("utf-8")
    assert body_order(text) == ["A", "C", "B"]
    assert "B = 2\n" not in text and "C = 3\n" not in text


def test_imports_are_deduplicated_across_fragments(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("lending/shelf.py", SHELF_V1)
    text = workspace.save("lending/shelf.py", LABEL).read_text("utf-8")
    assert text.count("from dataclasses import dataclass\n") == 1


def test_future_imports_come_first_wherever_they_appear(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("m.py", "import os\nA = os.sep")
    text = workspace.save("m.py", "from __future__ import annotations\nB = 1").read_text("utf-8")
    imports = [line for line in text.splitlines() if line.startswith(("import", "from"))]
    assert imports == ["from __future__ import annotations", "import os"]
    compile(text, "m.py", "exec")


def test_modules_are_kept_apart(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("lending/a.py", "X = 1")
    workspace.save("lending/b.py", "X = 2")
    assert "X = 1" in (tmp_path / "lending" / "a.py").read_text("utf-8")
    assert "X = 2" in (tmp_path / "lending" / "b.py").read_text("utf-8")
    assert set(workspace.fragments()) == {"lending/a.py", "lending/b.py"}


def test_save_rejects_a_bad_module_path_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError):
        Workspace(tmp_path / "ws").save("../escape.py", "X = 1")
    assert not (tmp_path / "escape.py").exists()
    assert not (tmp_path / "ws").exists()


def test_save_rejects_a_cell_without_names_and_keeps_the_old_file(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    path = workspace.save("lending/shelf.py", LIMIT)
    before = path.read_text("utf-8")
    with pytest.raises(WorkspaceError):
        workspace.save("lending/shelf.py", "print('no names')")
    assert path.read_text("utf-8") == before


def test_the_assembled_package_imports_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_lending: None
) -> None:
    workspace = Workspace(tmp_path)
    workspace.save("lending/shelf.py", SHELF_V1)
    workspace.save("lending/shelf.py", LABEL)
    workspace.save("lending/shelf.py", LIMIT)
    workspace.save("lending/shelf.py", SHELF_V2)
    workspace.save(
        "lending/service.py",
        "# workspace: lending/service.py\n"
        "from lending.shelf import MAX_BOOKS, Shelf, label\n"
        "\n"
        "def fill(titles):\n"
        "    shelf = Shelf()\n"
        "    for title in titles[:MAX_BOOKS]:\n"
        "        shelf.add(title)\n"
        "    return label(shelf)\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    service = importlib.import_module("lending.service")

    assert Path(str(service.__file__)).resolve() == (tmp_path / "lending" / "service.py").resolve()
    assert service.fill(["a", "b", "c", "d"]) == "3 books"


# --- the manifest --------------------------------------------------------------------------------


def test_fragments_of_a_new_workspace_are_empty(tmp_path: Path) -> None:
    assert Workspace(tmp_path / "nowhere").fragments() == {}


def test_fragments_round_trip_through_the_manifest(tmp_path: Path) -> None:
    Workspace(tmp_path).save("lending/shelf.py", SHELF_V1)
    fragments = Workspace(tmp_path).fragments()
    assert fragments == {"lending/shelf.py": [split(SHELF_V1)]}


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"lending/shelf.py": [{"names": ["A"]}]}',
        '["a", "list"]',
        '{"lending/shelf.py": [{"names": [], "imports": [], "body": "", "extra": 1}]}',
    ],
)
def test_a_damaged_manifest_is_set_aside_not_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    workspace = Workspace(tmp_path)
    (tmp_path / MANIFEST).write_text(damage, "utf-8")

    assert workspace.fragments() == {}

    aside = tmp_path / ".fragments.damaged.json"
    assert aside.read_text("utf-8") == damage
    assert not (tmp_path / MANIFEST).exists()
    assert f"moved to {aside}" in capsys.readouterr().out


def test_saving_after_damage_starts_a_fresh_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = Workspace(tmp_path)
    (tmp_path / MANIFEST).write_bytes(b"\xff\xfe garbage")

    path = workspace.save("lending/shelf.py", LIMIT)

    assert "damaged" in capsys.readouterr().out
    assert (tmp_path / ".fragments.damaged.json").read_bytes() == b"\xff\xfe garbage"
    assert body_order(path.read_text("utf-8")) == ["MAX_BOOKS"]
    assert list(Workspace(tmp_path).fragments()) == ["lending/shelf.py"]


# --- write_atomic --------------------------------------------------------------------------------


def test_write_atomic_creates_folders_and_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "file.txt"
    write_atomic(path, "first ✓\n")
    write_atomic(path, "second\n")
    assert path.read_text("utf-8") == "second\n"
    assert [p.name for p in path.parent.iterdir()] == ["file.txt"]


def test_write_atomic_leaves_the_old_file_whole_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "file.txt"
    path.write_text("old", "utf-8")

    def broken_replace(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new")
    assert path.read_text("utf-8") == "old"


# --- where the workspace is ----------------------------------------------------------------------


@pytest.fixture
def no_configured_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)


def test_workspace_dir_prefers_course_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "nbgrader_config.py").write_text("", "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "elsewhere"))
    assert workspace_dir() == tmp_path / "elsewhere"


def test_workspace_dir_expands_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_WORKSPACE", "~/mine")
    assert workspace_dir() == tmp_path / "mine"


def test_an_empty_course_workspace_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_WORKSPACE", "")
    monkeypatch.chdir(tmp_path)
    assert workspace_dir() == tmp_path / "workspace"


def test_workspace_dir_is_in_the_course_root_found_from_a_nested_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_configured_workspace: None
) -> None:
    (tmp_path / "nbgrader_config.py").write_text("", "utf-8")
    nested = tmp_path / "notebooks" / "01-schemas"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert course_root() == tmp_path.resolve()
    assert workspace_dir() == tmp_path.resolve() / "workspace"


def test_course_root_takes_the_nearest_config(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text("", "utf-8")
    inner = tmp_path / "inner"
    (inner / "deep").mkdir(parents=True)
    (inner / "nbgrader_config.py").write_text("", "utf-8")
    assert course_root(inner / "deep") == inner.resolve()


def test_a_folder_named_nbgrader_config_py_is_not_a_course_root(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").mkdir()
    assert course_root(tmp_path) is None


def test_workspace_dir_falls_back_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_configured_workspace: None
) -> None:
    monkeypatch.chdir(tmp_path)
    assert course_root() is None
    assert workspace_dir() == tmp_path / "workspace"


def test_saving_is_enabled_outside_nbgrader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert saving_enabled() is True


@pytest.mark.parametrize("value", ["autograde", "validate", ""])
def test_saving_is_disabled_under_nbgrader(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", value)
    assert saving_enabled() is False


def test_split_handles_a_multiline_import_followed_by_others() -> None:
    fragment = split(
        "from typing import (\n    Annotated,\n    Any,\n)\n"
        "import os\n\nfrom x import y\nA = os.sep\n"
    )
    assert fragment.imports == (
        "from typing import (\n    Annotated,\n    Any,\n)",
        "import os",
        "from x import y",
    )
    assert fragment.body == "A = os.sep"


def test_a_cell_s_imports_of_its_own_module_stay_out_of_the_file(tmp_path: Path) -> None:
    """In the notebook ``from lending.routers import IdPath`` finds the module loaded; in
    ``lending/routers.py`` itself it would be a circular import of a name defined there."""
    cell = (
        "# workspace: lending/routers.py\n"
        "from fastapi import APIRouter\n\n"
        "from lending.deps import ClockDep\n"
        "from lending.routers import IdPath, books\n\n"
        "extra = APIRouter()\n"
    )
    path = Workspace(tmp_path).save("lending/routers.py", cell)

    text = path.read_text("utf-8")
    assert "from lending.deps import ClockDep" in text
    assert "from fastapi import APIRouter" in text
    assert "lending.routers" not in text
