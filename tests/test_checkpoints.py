"""The reference checkpoints pass the tests of the notebooks that build them.

A learner who did not finish notebook NN starts every later notebook from the
reference version of its layers (:mod:`helpers.checkpoint`). That is only fair
if the reference does what the exercises ask. Everything here is derived from
the notebooks: a cell starting ``# workspace: lending/<layer>.py`` in notebook
NN says that NN builds ``<layer>``, so

- ``helpers.checkpoint.BUILT`` must list that layer for NN;
- NN's version of the layer defines every name those cells put in the package;
- the exercise's test cell, hidden tests included, passes in an in-process
  IPython shell that ran the worked examples and holds NN's reference versions
  instead of the learner's answers;
- NN's setup restores exactly NN's checkpoint, and it holds none of NN's answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, assignments, notebook_path
from helpers.checkpoint import BUILT, layers_for, notebook_number, reference_version, restore
from helpers.workspace import split, target_of


def _notebook(name: str) -> NotebookNode:
    return nbmeta.read(notebook_path(SOLUTIONS, name))


def _layer_of(cell: NotebookNode) -> str | None:
    """The layer a cell writes; ``None`` for other workspace files (07's ``tests/...``)."""
    target = target_of(cell.source) if cell.cell_type == "code" else None
    if target is None or not target.startswith("lending/"):
        return None
    return target.removeprefix("lending/").removesuffix(".py")


def _built(name: str) -> dict[str, list[NotebookNode]]:
    """Layer name -> the workspace cells of notebook ``name`` that build it."""
    layers: dict[str, list[NotebookNode]] = {}
    for cell in _notebook(name).cells:
        layer = _layer_of(cell)
        if layer:
            layers.setdefault(layer, []).append(cell)
    return layers


def _examples(name: str) -> list[str]:
    """The code cells a learner runs besides the exercises: worked examples, not setup.

    In the capstone (its setup assembles the learner's package), only those above the last
    layer exercise's test: the sections after it run the whole package, for real.
    """
    cells = _notebook(name).cells
    last = len(cells)
    if any("your_package=True" in c.source for c in cells if nbmeta.grade_id(c) == "setup"):
        tests = {
            f"{nbmeta.grade_id(c)}-tests" for c in cells if nbmeta.is_solution(c) and _layer_of(c)
        }
        last = max(i for i, c in enumerate(cells) if nbmeta.grade_id(c) in tests)
    return [
        cell.source
        for cell in cells[:last]
        if cell.cell_type == "code"
        and not (nbmeta.is_solution(cell) or nbmeta.is_test(cell))
        and nbmeta.grade_id(cell) != "setup"
    ]


def _answer_with_the_reference(name: str, namespace: dict[str, Any]) -> None:
    """Put the public names that ``name``'s reference versions define into ``namespace``.

    Each layer is loaded on the notebook's own checkpoint, after the names of the layers
    before it are in place, as a learner's answers would be: in 04, the reference
    services' ``from .errors import NotFound`` finds the reference errors through the
    notebook's namespace (``from_this_notebook``).
    """
    answered = {
        layer
        for layer in _built(name)
        if any(nbmeta.is_solution(cell) for cell in _built(name)[layer])
    }
    for layer in dict(BUILT).get(name, ()):
        if layer in _built(name) and layer not in answered and layer in layers_for(name):
            # 11's errors, deps and problems: earlier layers that only worked examples
            # revise, and those ran already (a fresh errors would be classes no handler knows)
            continue
        module = reference_version(layer)
        defined = split(Path(module.__file__ or "").read_text("utf-8")).names  # not imports
        namespace.update({k: getattr(module, k) for k in defined if not k.startswith("_")})


def _exercise_tests() -> list[Any]:
    params = []
    for name in assignments():
        nb = _notebook(name)
        tests = {nbmeta.grade_id(cell): cell for cell in nbmeta.test_cells(nb)}
        for cell in nb.cells:
            if nbmeta.is_solution(cell) and _layer_of(cell):
                grade_id = f"{nbmeta.grade_id(cell)}-tests"
                params.append(pytest.param(name, tests[grade_id].source, id=f"{name}:{grade_id}"))
    return params


@pytest.mark.parametrize("name", assignments())
def test_the_table_lists_every_layer_the_workspace_cells_build(name: str) -> None:
    assert set(_built(name)) <= set(dict(BUILT).get(name, ())), "add it to checkpoint.BUILT"


@pytest.mark.parametrize("name", assignments())
def test_each_version_defines_every_name_its_notebook_puts_in_the_package(
    name: str, clean_lending: None
) -> None:
    ending = restore(name, inclusive=True)
    for layer, cells in _built(name).items():
        defined = {n for cell in cells for n in split(cell.source).names}
        missing = sorted(n for n in defined if not hasattr(ending.layers[layer], n))
        assert missing == [], f"{name}'s reference version of {layer} lacks {missing}"


@pytest.mark.parametrize("name", assignments())
def test_the_setup_restores_exactly_the_checkpoint_and_none_of_its_answers(
    name: str, clean_lending: None
) -> None:
    setup = next(cell for cell in _notebook(name).cells if nbmeta.grade_id(cell) == "setup")
    # start("11-capstone", your_package=True): the capstone's own package, made whole
    setups = (f'start("{name}")', f'start("{name}", your_package=True)')
    assert any(call in setup.source for call in setups), "the setup restores its own checkpoint"
    checkpoint = restore(name)
    expected = layers_for(name)
    assert list(checkpoint.layers) == list(expected)
    own = layers_for(name, inclusive=True)
    for layer, module in checkpoint.layers.items():
        version = expected[layer]
        assert module.__file__ == str(version.path)
        assert notebook_number(version.notebook) < notebook_number(name), version
        if own[layer] != version:  # revised here: the checkpoint holds the old file
            assert version.path.read_bytes() != own[layer].path.read_bytes()


@pytest.mark.parametrize(("name", "source"), _exercise_tests())
def test_reference_passes_the_exercise_tests(
    name: str, source: str, shell: InteractiveShell, clean_lending: None
) -> None:
    """Run the notebook as a learner who skipped the exercises, with the reference in place."""
    shell.reset(new_session=False)
    restore(name)
    for example in _examples(name):
        assert shell.run_cell(example).success, f"a worked example of {name} failed"
    _answer_with_the_reference(name, shell.user_ns)
    result = shell.run_cell(source)
    assert result.success, f"the reference fails this test: {result.error_in_exec!r}"
