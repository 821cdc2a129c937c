"""helpers.catalogue: the notebooks and graded test cells shipped with the package."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import resources

import pytest
from pydantic import ValidationError

from helpers.catalogue import Catalogue, Exercise, NotebookEntry, load_catalogue, source_digest
from helpers.checkpoint import notebook_number

SHA = "0" * 64
CELL_1 = "# Exercise 1: members\nexpect_equal(1, 1, what='x')"
CELL_2 = "# Exercise 2: loans\nexpect_equal(2, 2, what='y')"


@pytest.fixture
def catalogue(catalogue_factory: Callable[..., Catalogue]) -> Catalogue:
    return catalogue_factory(
        ("01-schemas", "Schemas", [("members-tests", "Exercise 1: members", 2, CELL_1)]),
        ("02-models", "Models", [("loans-tests", "Exercise 2: loans", 3, CELL_2)]),
    )


# --- source_digest -------------------------------------------------------------------------------


def test_source_digest_is_the_sha256_of_the_stripped_source() -> None:
    assert source_digest("x = 1") == hashlib.sha256(b"x = 1").hexdigest()


@pytest.mark.parametrize("variant", ["\n" + CELL_1, CELL_1 + "\n", "  \n\t" + CELL_1 + "\n\n  \n"])
def test_source_digest_ignores_surrounding_whitespace(variant: str) -> None:
    assert source_digest(variant) == source_digest(CELL_1)


@pytest.mark.parametrize(
    "variant",
    [
        CELL_1.replace("\n", "\n\n"),  # inner whitespace matters
        CELL_1.replace("1, 1", "1,1"),
        CELL_1.replace("members", "Members"),
        CELL_1 + "\n# and a comment",
    ],
)
def test_source_digest_sees_any_inner_change(variant: str) -> None:
    assert source_digest(variant) != source_digest(CELL_1)


def test_source_digest_handles_unicode() -> None:
    assert (
        source_digest("print('✓ café')") == hashlib.sha256("print('✓ café')".encode()).hexdigest()
    )


# --- Catalogue -----------------------------------------------------------------------------------


def test_find_by_source_finds_the_exercise(catalogue: Catalogue) -> None:
    found = catalogue.find_by_source("\n" + CELL_2 + "\n")
    assert found is not None
    entry, exercise = found
    assert entry.id == "02-models"
    assert exercise.grade_id == "loans-tests"


def test_find_by_source_is_none_for_other_cells(catalogue: Catalogue) -> None:
    assert catalogue.find_by_source("x = 1") is None
    assert catalogue.find_by_source("") is None


def test_notebook_by_id(catalogue: Catalogue) -> None:
    assert catalogue.notebook("02-models").title == "Models"


def test_notebook_with_an_unknown_id_lists_the_known_ones(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError) as info:
        catalogue.notebook("07-nothing")
    message = info.value.args[0]
    assert message == "unknown notebook '07-nothing'; the course has: 01-schemas, 02-models"


def test_notebook_points_add_up(catalogue_factory: Callable[..., Catalogue]) -> None:
    catalogue = catalogue_factory(
        ("01-a", "A", [("x", "X", 1.5, "a"), ("y", "Y", 2, "b")]),
        ("02-b", "B", []),
    )
    assert catalogue.notebook("01-a").points == 3.5
    assert catalogue.notebook("02-b").points == 0


@pytest.mark.parametrize(
    "sha",
    ["", "0" * 63, "0" * 65, "A" * 64, "g" * 64, " " + "0" * 63, "0" * 63 + "\n"],
)
def test_an_exercise_needs_a_lowercase_sha256(sha: str) -> None:
    with pytest.raises(ValidationError, match="source_sha256"):
        Exercise(grade_id="x", title="X", points=1, source_sha256=sha)


@pytest.mark.parametrize("points", [0, -1, -0.5])
def test_an_exercise_needs_positive_points(points: float) -> None:
    with pytest.raises(ValidationError, match="points"):
        Exercise(grade_id="x", title="X", points=points, source_sha256=SHA)


def test_models_forbid_extra_fields_and_are_frozen() -> None:
    with pytest.raises(ValidationError, match="extra"):
        # Wrong on purpose: an unknown field must be refused.
        Exercise(grade_id="x", title="X", points=1, source_sha256=SHA, hidden=True)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="extra"):
        # Wrong on purpose: an unknown field must be refused.
        NotebookEntry(id="01-a", title="A", exercises=(), notes="")  # type: ignore[call-arg]
    exercise = Exercise(grade_id="x", title="X", points=1, source_sha256=SHA)
    with pytest.raises(ValidationError, match="frozen"):
        # Wrong on purpose: the exercise is frozen.
        exercise.points = 5  # type: ignore[misc]


def test_a_catalogue_round_trips_through_json(catalogue: Catalogue) -> None:
    assert Catalogue.model_validate_json(catalogue.model_dump_json()) == catalogue


# --- the shipped data file -----------------------------------------------------------------------


def test_load_catalogue_parses_the_shipped_data_file() -> None:
    catalogue = load_catalogue()
    assert isinstance(catalogue, Catalogue)
    raw = json.loads(resources.files("helpers").joinpath("data/exercises.json").read_text("utf-8"))
    assert [entry.id for entry in catalogue.notebooks] == [n["id"] for n in raw["notebooks"]]
    assert load_catalogue() is catalogue  # cached: parsed once per kernel


def test_the_shipped_catalogue_is_consistent() -> None:
    catalogue = load_catalogue()
    ids = [entry.id for entry in catalogue.notebooks]
    assert len(ids) == len(set(ids))
    for entry in catalogue.notebooks:
        notebook_number(entry.id)  # every id is NN-name
        grade_ids = [exercise.grade_id for exercise in entry.exercises]
        assert len(grade_ids) == len(set(grade_ids)), entry.id
    digests = [e.source_sha256 for entry in catalogue.notebooks for e in entry.exercises]
    assert len(digests) == len(set(digests)), "two test cells with the same source"
