"""The reference checkpoints pass the tests of the notebooks that build them.

A learner who did not finish notebook NN starts every later notebook from the
reference version of its layers (:mod:`helpers.checkpoint`). That is only fair
if the reference does what the exercises ask. Everything here is derived from
the notebooks: a cell starting ``# workspace: lending/<layer>.py`` in notebook
NN says that NN builds ``<layer>``, so

- ``helpers.checkpoint.LAYERS`` must list exactly that layer for NN;
- the reference module defines every name those cells put in the package;
- the exercise's test cell, hidden tests included, passes in an in-process
  IPython shell that ran the worked examples and holds the reference layers
  built up to NN instead of the learner's answers.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, assignments, notebook_path
from helpers.checkpoint import LAYERS, notebook_number, restore
from helpers.workspace import split, target_of


def _notebook(name: str) -> NotebookNode:
    return nbmeta.read(notebook_path(SOLUTIONS, name))


def _layer_of(cell: NotebookNode) -> str | None:
    target = target_of(cell.source) if cell.cell_type == "code" else None
    return target.removeprefix("lending/").removesuffix(".py") if target else None


def _built(name: str) -> dict[str, list[NotebookNode]]:
    """Layer name -> the workspace cells of notebook ``name`` that build it."""
    layers: dict[str, list[NotebookNode]] = {}
    for cell in _notebook(name).cells:
        layer = _layer_of(cell)
        if layer:
            layers.setdefault(layer, []).append(cell)
    return layers


def _examples(name: str) -> list[str]:
    """The code cells a learner runs besides the exercises: worked examples, not setup."""
    return [
        cell.source
        for cell in _notebook(name).cells
        if cell.cell_type == "code"
        and not (nbmeta.is_solution(cell) or nbmeta.is_test(cell))
        and nbmeta.grade_id(cell) != "setup"
    ]


def _reference_names(upto: str) -> dict[str, Any]:
    """The public names of every reference layer built up to notebook ``upto``."""
    names: dict[str, Any] = {}
    for layer in LAYERS:
        if notebook_number(layer.notebook) <= notebook_number(upto):
            module = importlib.import_module(layer.reference)
            names.update({k: v for k, v in vars(module).items() if not k.startswith("_")})
    return names


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
def test_layer_registry_matches_the_workspace_cells(name: str) -> None:
    registered = {layer.name for layer in LAYERS if layer.notebook == name}
    assert set(_built(name)) <= registered, "add the layer to helpers.checkpoint.LAYERS"


@pytest.mark.parametrize("name", assignments())
def test_reference_defines_every_workspace_name(name: str) -> None:
    references = {layer.name: layer.reference for layer in LAYERS}
    for layer, cells in _built(name).items():
        module = importlib.import_module(references[layer])
        defined = {n for cell in cells for n in split(cell.source).names}
        missing = sorted(n for n in defined if not hasattr(module, n))
        assert missing == [], f"{references[layer]} lacks {missing}"


@pytest.mark.parametrize(("name", "source"), _exercise_tests())
def test_reference_passes_the_exercise_tests(
    name: str, source: str, shell: InteractiveShell, clean_lending: None
) -> None:
    """Run the notebook as a learner who skipped the exercises, with the reference in place."""
    shell.reset(new_session=False)
    restore(name)
    for example in _examples(name):
        assert shell.run_cell(example).success, f"a worked example of {name} failed"
    shell.user_ns.update(_reference_names(name))
    result = shell.run_cell(source)
    assert result.success, f"the reference fails this test: {result.error_in_exec!r}"
