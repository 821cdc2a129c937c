"""helpers.capstone.fragments: a module cut into one workspace fragment per definition."""

from __future__ import annotations

import ast

import pytest

from helpers.capstone.fragments import fragments_of, names_used
from helpers.checkpoint import versions
from helpers.workspace import WorkspaceError, assemble, merge_imports

LATEST = {version.layer: version.path for version in versions()}


def top_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


@pytest.mark.parametrize("layer", sorted(LATEST))
def test_every_reference_layer_reassembles_with_every_definition(layer: str) -> None:
    source = LATEST[layer].read_text("utf-8")
    fragments = fragments_of(source)
    assembled = assemble(fragments)
    compile(assembled, f"{layer}.py", "exec")
    assert top_level_names(assembled) == top_level_names(source)
    names = [name for fragment in fragments for name in fragment.names]
    assert len(names) == len(set(names)), "a name in two fragments could not be replaced"
    assert "from ." not in assembled  # the learner's style: from lending.models import ...


@pytest.mark.parametrize("layer", sorted(LATEST))
def test_each_fragment_carries_only_imports_its_code_uses(layer: str) -> None:
    fragments = fragments_of(LATEST[layer].read_text("utf-8"))
    for position, fragment in enumerate(fragments):
        used = names_used(fragment.body)
        for statement in fragment.imports:
            node = ast.parse(statement).body[0]
            assert isinstance(node, ast.Import | ast.ImportFrom)
            bound = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            assert statement.startswith("from __future__") or bound & used or position == 0, (
                f"{layer}: {fragment.names} carries {statement!r} without using it"
            )


def test_comments_and_decorators_stay_with_their_definition() -> None:
    source = (
        '"""Module docstring: dropped."""\n\nimport functools\n\nfrom .models import Book\n\n'
        'LIMIT = 3\n"""How many."""\n\n\n# the cache, said once\n@functools.cache\n'
        "def first() -> Book:\n    return Book()\n\n\nprint(LIMIT)  # a statement, no name\n"
    )
    limit, first = fragments_of(source)
    assert limit.names == ("LIMIT",) and limit.body == 'LIMIT = 3\n"""How many."""'
    assert limit.imports == ()
    assert first.names == ("first",)
    assert first.body.startswith("# the cache, said once\n@functools.cache\ndef first()")
    assert first.body.endswith("print(LIMIT)  # a statement, no name")
    assert set(first.imports) == {"import functools", "from lending.models import Book"}


def test_a_module_that_is_not_python_is_a_workspace_error() -> None:
    with pytest.raises(WorkspaceError, match="line 1"):
        fragments_of("def broken(:\n")


def test_aliased_imports_keep_a_statement_of_their_own_as_ruff_does() -> None:
    aliased = "from sqlalchemy.exc import TimeoutError as T"
    merged = merge_imports(["from sqlalchemy.exc import SQLAlchemyError", aliased])
    assert merged == (
        "from sqlalchemy.exc import SQLAlchemyError\nfrom sqlalchemy.exc import TimeoutError as T"
    )
