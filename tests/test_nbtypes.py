"""coursetools.nbtypes: notebook code turned into modules mypy checks as IPython runs them."""

from __future__ import annotations

from pathlib import Path

import nbformat

from coursetools.authoring import code, markdown
from coursetools.nbtypes import (
    Origin,
    Script,
    _as_checked,
    _distinct_definitions,
    _located,
    assemble_package,
    cell_code,
    grown_package,
    notebook_script,
)


def test_a_top_level_async_with_becomes_awaited_aenter_calls_on_the_same_lines() -> None:
    source = (
        "async with factory() as session, lock(\n"
        "    1\n"
        ") as (a, b):\n"
        "    row = await session.get(1)\n"
        "print(row)\n"
    )
    assert cell_code(source).split("\n") == [
        "_cm_1_1 = (factory()); session = await _cm_1_1.__aenter__(); _cm_1_2 = (lock(",
        "    1",
        ")); (a, b) = await _cm_1_2.__aenter__()",
        "row = await session.get(1)",
        "print(row)",
        "",
    ]


def test_nested_and_one_line_async_with_outside_functions_are_unwrapped_only() -> None:
    source = (
        "for i in range(2):\n"
        "    async with m() as x: x.go()\n"
        "async def f() -> None:\n"
        "    async with m():\n"
        "        pass\n"
    )
    lines = cell_code(source).split("\n")
    assert lines[1] == "    _cm_2_1 = (m()); x = await _cm_2_1.__aenter__(); x.go()"
    assert lines[3] == "    async with m():"


def test_magics_become_the_calls_ipython_makes() -> None:
    assert cell_code("!ls\n") == "get_ipython().system('ls')\n"


def test_a_type_variable_declared_again_word_for_word_is_left_out() -> None:
    seen: set[str] = set()
    first = _as_checked('T = TypeVar("T")\n', {}, seen)
    again = _as_checked('T = TypeVar("T")\nx = 1\n', {}, seen)
    other = _as_checked('T = TypeVar("T", bound=int)\n', {}, seen)
    assert (first, again, other) == (
        'T = TypeVar("T")\n',
        "\nx = 1\n",
        'T = TypeVar("T", bound=int)\n',
    )


def test_a_workspace_cell_the_package_holds_becomes_imports(tmp_path: Path) -> None:
    source = (
        "# workspace: lending/clock.py\nfrom datetime import date\n\n\nTODAY = date(2026, 1, 15)\n"
    )
    notebook = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[code(source)]), notebook)
    package = assemble_package([notebook], tmp_path / "workspace")
    assert (tmp_path / "workspace" / "lending" / "clock.py").is_file()
    assert _as_checked(source, package, set()) == (
        "from datetime import date; from lending.clock import TODAY\n\n\n\n"
    )
    revised = source.replace("15", "16")
    assert _as_checked(revised, package, set()) == revised


def test_a_superseded_definition_and_its_uses_are_renamed_until_the_next() -> None:
    cells = [
        "class Draft:\n    pass\n\nuse = Draft()\n",
        "print(Draft, x.Draft, f(Draft=1))\n",
        "class Draft:\n    size: int\n",
        "Draft()\n",
    ]
    assert _distinct_definitions(cells, [3, 5, 8, 9]) == [
        "class Draft__cell3:\n    pass\n\nuse = Draft__cell3()\n",
        "print(Draft__cell3, x.Draft, f(Draft=1))\n",
        "class Draft:\n    size: int\n",
        "Draft()\n",
    ]


def test_a_variable_keeps_its_name_unless_an_import_replaces_it() -> None:
    cells = ["N = 1\n", "N = 'a'\n", "from m import N\n", "print(N)\n"]
    assert _distinct_definitions(cells, [1, 2, 3, 4]) == [
        "N__cell1 = 1\n",
        "N__cell1 = 'a'\n",
        "from m import N\n",
        "print(N)\n",
    ]


def test_messages_point_at_the_cell_and_line_they_came_from(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    cells = [markdown("# Title"), code("x: int = 1"), code('y: str = "a"\nz: int = y')]
    cells[2].metadata["nbgrader"] = {"grade_id": "ex-tests"}
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    script = notebook_script("99-demo", notebook, {})
    z = script.text.split("\n").index("z: int = y") + 1
    assert script.origins[z - 1] == Origin("99-demo", 3, "ex-tests", 2)
    x = script.text.split("\n").index("x: int = 1") + 1
    message = f"m.py:{z}: error: Name already defined on line {x}  [no-redef]"
    assert _located(message, {"m.py": script}, tmp_path) == (
        "solutions/99-demo/99-demo.ipynb, cell 3 (ex-tests), line 2: error: Name already "
        "defined at solutions/99-demo/99-demo.ipynb, cell 2, line 1  [no-redef]"
    )
    assert _located("Success", {"m.py": Script("", ())}, tmp_path) == "Success"


def test_a_loop_variable_that_reuses_a_function_name_renames_the_function() -> None:
    cells = ["def overdue() -> bool:\n    return True\n", "for day, overdue in pairs:\n    pass\n"]
    assert _distinct_definitions(cells, [1, 2]) == [
        "def overdue__cell1() -> bool:\n    return True\n",
        "for day, overdue in pairs:\n    pass\n",
    ]


def _notebook(path: Path, *sources: str) -> Path:
    nbformat.write(nbformat.v4.new_notebook(cells=[code(s) for s in sources]), path)
    return path


def test_a_cell_importing_from_its_own_module_is_held_by_the_package(tmp_path: Path) -> None:
    today = "# workspace: lending/notes.py\nTODAY = 15\n"
    later = "# workspace: lending/notes.py\nfrom lending.notes import TODAY\n\nNEXT = TODAY + 1\n"
    notebook = _notebook(tmp_path / "n.ipynb", today, later)
    package = assemble_package([notebook], tmp_path / "workspace")
    assert _as_checked(later, package, set()) == (
        "from lending.notes import TODAY; from lending.notes import NEXT\n\n\n"
    )


def test_the_capstone_grows_the_package_one_definition_at_a_time(tmp_path: Path) -> None:
    before = _notebook(
        tmp_path / "before.ipynb", "# workspace: lending/notes.py\nTODAY = 15\nLATER = 16\n"
    )
    capstone = _notebook(tmp_path / "11.ipynb", "# workspace: lending/notes.py\nTODAY = 1\n")
    assemble_package([before], tmp_path / "base")
    package = grown_package(tmp_path / "base", capstone, tmp_path / "grown")
    assert [fragment.names for fragment in package["lending/notes.py"]] == [("TODAY",), ("LATER",)]
    assert (tmp_path / "base" / "lending" / "notes.py").read_text().count("TODAY = 15") == 1
    # the capstone's setup made the rest of the package whole, as it does for a learner
    assert (tmp_path / "grown" / "lending" / "reads.py").is_file()
