"""helpers.checks: readable checks that a learner's rigged objects cannot fool."""

from __future__ import annotations

import enum
from datetime import date

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from helpers.checks import (
    Described,
    ExerciseFailure,
    expect_call,
    expect_equal,
    expect_invalid,
    expect_raises,
    expect_subclass,
    expect_true,
    expect_type,
    expect_valid,
    fail,
    same_value,
    show,
)

# --- learner objects that try to cheat or misbehave ----------------------------------------------


class AlwaysEqual:
    """Claims to equal anything."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


class SneakyInt(int):
    """An int whose equality is rigged."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class SneakyStr(str):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


# A bare ``list`` subclass, as a learner writes it.
class SneakyList(list):  # type: ignore[type-arg]
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None


# A bare ``dict`` subclass, as a learner writes it.
class SneakyDict(dict):  # type: ignore[type-arg]
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None


class PosingKey:
    """Hashes like the key ``"a"`` and claims to equal it: a rigged dict key or set item."""

    def __hash__(self) -> int:
        return hash("a")

    def __eq__(self, other: object) -> bool:
        return True


class BrokenRepr:
    def __repr__(self) -> str:
        raise ValueError("repr exploded")


class NotAStringRepr:
    def __repr__(self) -> str:
        # Wrong on purpose: a ``__repr__`` that returns no string.
        return 42  # type: ignore[return-value]


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Point(BaseModel):
    x: int
    y: int


# --- ExerciseFailure and fail ---------------------------------------------------------------------


def test_exercise_failure_is_an_assertion_error_with_labelled_lines() -> None:
    failure = ExerciseFailure("the total", expected=3, got=4, hint="Add the two numbers.")

    assert isinstance(failure, AssertionError)
    assert failure.lines() == [
        "Not yet: the total",
        "  expected: 3",
        "  got:      4",
        "  hint:     Add the two numbers.",
    ]
    assert str(failure) == "\n".join(failure.lines()) == failure.render()
    assert (failure.what, failure.expected, failure.got, failure.hint) == (
        "the total",
        3,
        4,
        "Add the two numbers.",
    )


def test_exercise_failure_omits_what_was_not_given() -> None:
    assert ExerciseFailure("it works").lines() == ["Not yet: it works"]


def test_exercise_failure_shows_none_as_a_real_value() -> None:
    """``None`` is a value a learner can return; only the sentinel means 'not given'."""
    lines = ExerciseFailure("result", expected=None, got=None).lines()
    assert lines == ["Not yet: result", "  expected: None", "  got:      None"]


def test_described_values_are_prose_not_reprs() -> None:
    failure = ExerciseFailure("x", expected=Described("an even number"), got="three")
    assert failure.lines()[1:] == ["  expected: an even number", "  got:      'three'"]


def test_fail_raises_exercise_failure() -> None:
    with pytest.raises(ExerciseFailure) as info:
        fail("the shelf is sorted", expected=[1, 2], got=[2, 1], hint="Use sorted().")
    assert str(info.value) == (
        "Not yet: the shelf is sorted\n"
        "  expected: [1, 2]\n"
        "  got:      [2, 1]\n"
        "  hint:     Use sorted()."
    )


# --- show ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), ("a", "'a'"), (None, "None"), ([1, "b"], "[1, 'b']"), ({"k": 1.5}, "{'k': 1.5}")],
)
def test_show_is_repr_for_small_values(value: object, text: str) -> None:
    assert show(value) == text


def test_show_truncates_long_strings() -> None:
    text = show("x" * 1000)
    assert len(text) <= 125
    assert "..." in text
    assert text.startswith("'x") and text.endswith("x'")


def test_show_truncates_long_containers() -> None:
    assert show(list(range(100))) == "[0, 1, 2, 3, 4, 5, 6, 7, ...]"
    assert "..." in show({i: i for i in range(100)})


def test_show_truncates_long_reprs_of_other_objects() -> None:
    class Wordy:
        def __repr__(self) -> str:
            return "Wordy(" + "w" * 500 + ")"

    text = show(Wordy())
    assert len(text) <= 125
    assert text.startswith("Wordy(") and text.endswith(")") and "..." in text


def test_show_survives_a_broken_repr_without_leaking_an_address() -> None:
    text = show(BrokenRepr())
    assert text == "<BrokenRepr whose repr() raised ValueError>"
    assert "0x" not in text  # nbval compares outputs: no memory addresses


def test_show_survives_a_broken_repr_inside_a_container() -> None:
    text = show([1, BrokenRepr()])
    assert text == "[1, <BrokenRepr whose repr() raised ValueError>]"


def test_show_survives_a_repr_that_returns_no_string() -> None:
    assert show(NotAStringRepr()) == "<NotAStringRepr whose repr() raised TypeError>"


def test_failure_message_with_a_broken_repr_is_still_readable() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_equal(BrokenRepr(), 1, what="the count")
    assert info.value.lines() == [
        "Not yet: the count",
        "  expected: 1",
        "  got:      <BrokenRepr whose repr() raised ValueError>",
    ]


# --- same_value ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (1, 1),
        ("abc", "abc"),
        (None, None),
        (True, True),
        (b"x", b"x"),
        ([1, "a", None], [1, "a", None]),
        ((1, (2, 3)), (1, (2, 3))),
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}),
        ({"b": 1, "a": 2}, {"a": 2, "b": 1}),  # dict order does not matter
        ({1, 2, 3}, {3, 2, 1}),
        (frozenset({"x"}), frozenset({"x"})),
        (date(2026, 1, 15), date(2026, 1, 15)),
        (Colour.RED, Colour.RED),
        (Point(x=1, y=2), Point(x=1, y=2)),
    ],
)
def test_same_value_accepts_equal_values(got: object, expected: object) -> None:
    assert same_value(got, expected) is True


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (2, 1),
        ("abd", "abc"),
        ([1, 2], [1, 2, 3]),
        ([1, 2, 3], [1, 2]),
        ([2, 1], [1, 2]),
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1, "b": 2}, {"a": 1}),
        ({1, 2}, {1, 2, 3}),
        (date(2026, 1, 16), date(2026, 1, 15)),
        (Colour.BLUE, Colour.RED),
        (Point(x=1, y=3), Point(x=1, y=2)),
    ],
)
def test_same_value_rejects_different_values(got: object, expected: object) -> None:
    assert same_value(got, expected) is False


@pytest.mark.parametrize("expected", [1, "abc", [1, 2], {"a": 1}, (1,), {1}, None, 2.5])
def test_same_value_rejects_an_object_that_equals_everything(expected: object) -> None:
    assert AlwaysEqual() == expected  # the rigged object would fool a plain ==
    assert same_value(AlwaysEqual(), expected) is False


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (SneakyInt(7), 1),
        (SneakyStr("zzz"), "abc"),
        (SneakyList([9]), [1, 2]),
        (SneakyDict(z=0), {"a": 1}),
    ],
)
def test_same_value_rejects_subclasses_of_builtins_with_rigged_equality(
    got: object, expected: object
) -> None:
    assert got == expected
    assert same_value(got, expected) is False


def test_same_value_rejects_rigged_objects_nested_in_containers() -> None:
    assert same_value([1, AlwaysEqual()], [1, 2]) is False
    assert same_value({"a": AlwaysEqual()}, {"a": 1}) is False
    assert same_value((AlwaysEqual(),), ("x",)) is False


def test_same_value_rejects_a_rigged_dict_key() -> None:
    rigged = {PosingKey(): 1}
    assert rigged == {"a": 1}  # fools plain ==
    assert same_value(rigged, {"a": 1}) is False


def test_same_value_rejects_a_rigged_set_item() -> None:
    rigged = {PosingKey()}
    assert rigged == {"a"}  # fools plain ==
    assert same_value(rigged, {"a"}) is False


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (True, 1),
        (1, True),
        (1.0, 1),
        (1, 1.0),
        (True, 1.0),
        (0, False),
        ({1}, frozenset({1})),
        ([True], [1]),
        ({"a": 1.0}, {"a": 1}),
        ({1: "x"}, {True: "x"}),
        ({True}, {1}),
        ({1.0}, {1}),
    ],
)
def test_same_value_rejects_type_confusion(got: object, expected: object) -> None:
    assert got == expected  # plain == would let these through
    assert same_value(got, expected) is False


@pytest.mark.parametrize(
    ("got", "expected"), [("1", 1), ([1, 2], (1, 2)), ((1, 2), [1, 2]), ([[1]], [(1,)])]
)
def test_same_value_rejects_a_different_container_or_scalar_type(
    got: object, expected: object
) -> None:
    assert same_value(got, expected) is False


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (0.1 + 0.2, 0.3),
        ([0.1 + 0.2], [0.3]),
        ({"total": 0.1 * 3}, {"total": 0.3}),
        ((1.0 / 3.0) * 3.0, 1.0),
        (0.0, 0.0),
        (1e-15, 0.0),
    ],
)
def test_same_value_tolerates_float_rounding(got: object, expected: object) -> None:
    assert same_value(got, expected) is True


@pytest.mark.parametrize(("got", "expected"), [(0.31, 0.3), (1.000001, 1.0), (1e-9, 0.0)])
def test_same_value_still_tells_different_floats_apart(got: float, expected: float) -> None:
    assert same_value(got, expected) is False


def test_same_value_uses_the_expected_types_equality_for_other_objects() -> None:
    class Judge:
        """Equal only to another Judge with the same verdict (and never to a cheat)."""

        def __init__(self, verdict: str) -> None:
            self.verdict = verdict

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Judge) and other.verdict == self.verdict

        __hash__ = object.__hash__

    class Cheat(Judge):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    assert same_value(Judge("ok"), Judge("ok")) is True
    assert same_value(Judge("no"), Judge("ok")) is False
    assert same_value(Cheat("no"), Judge("ok")) is False  # exact type first


# --- expect_equal, expect_true, expect_type, expect_subclass -------------------------------------


def test_expect_equal_passes_silently() -> None:
    expect_equal([1, 2], [1, 2], what="the list")  # raises if not


def test_expect_equal_failure_names_what_expected_got_and_hint() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_equal(True, 1, what="count_loans() for one loan", hint="Return an int.")
    failure = info.value
    assert failure.lines() == [
        "Not yet: count_loans() for one loan",
        "  expected: 1",
        "  got:      True",
        "  hint:     Return an int.",
    ]
    assert failure.expected == 1 and failure.got is True


def test_expect_equal_rejects_a_rigged_object() -> None:
    with pytest.raises(ExerciseFailure, match="Not yet: the title"):
        expect_equal(AlwaysEqual(), "Dune", what="the title")


def test_expect_true_passes_only_for_true() -> None:
    expect_true(True, what="ok")
    expect_true(1 < 2, what="ok")


@pytest.mark.parametrize("condition", [False, 1, "yes", [1], None, AlwaysEqual()])
def test_expect_true_rejects_anything_but_true(condition: object) -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_true(condition, what="the member is active", hint="Check is_active.")
    assert info.value.lines() == ["Not yet: the member is active", "  hint:     Check is_active."]


def test_expect_type_passes_for_instances_and_subclass_instances() -> None:
    expect_type(True, int, what="a flag")
    expect_type(Point(x=1, y=2), BaseModel, what="a model")


def test_expect_type_returns_the_value_itself_typed_as_the_class() -> None:
    found: object = Point(x=1, y=2)
    point = expect_type(found, Point, what="a point")  # mypy: Point, so .x type-checks
    assert point is found
    assert point.x == 1


def test_expect_type_failure_describes_the_type() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_type("3", int, what="the number of copies", hint="Convert with int().")
    assert info.value.lines() == [
        "Not yet: the number of copies",
        "  expected: an instance of int",
        "  got:      str: '3'",
        "  hint:     Convert with int().",
    ]


def test_expect_subclass_passes_for_a_derived_class() -> None:
    expect_subclass(Point, BaseModel, what="Point is a model")
    expect_subclass(BaseModel, BaseModel, what="a class is its own subclass")


@pytest.mark.parametrize("candidate", [Point(x=1, y=2), int, "Point", None])
def test_expect_subclass_rejects_instances_and_unrelated_classes(candidate: object) -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_subclass(candidate, BaseModel, what="MemberIn is a model", hint="Subclass it.")
    lines = info.value.lines()
    assert lines[0] == "Not yet: MemberIn is a model"
    assert lines[1] == "  expected: a subclass of BaseModel"
    assert lines[2] == f"  got:      {show(candidate)}"
    assert lines[3] == "  hint:     Subclass it."


# --- expect_raises -------------------------------------------------------------------------------


def test_expect_raises_catches_the_expected_exception() -> None:
    with expect_raises(ValueError, what="a negative price is refused") as caught:
        raise ValueError("price must be positive")
    assert len(caught) == 1
    assert isinstance(caught[0], ValueError)
    assert str(caught[0]) == "price must be positive"


def test_expect_raises_accepts_a_subclass_of_the_expected_exception() -> None:
    empty: dict[str, int] = {}
    with expect_raises(LookupError, what="missing key") as caught:
        empty["missing"]
    assert type(caught[0]) is KeyError


def test_expect_raises_fails_when_nothing_is_raised() -> None:
    with (
        pytest.raises(ExerciseFailure) as info,
        expect_raises(ValueError, what="a negative price is refused", hint="Raise ValueError."),
    ):
        pass
    assert info.value.lines() == [
        "Not yet: a negative price is refused",
        "  expected: ValueError",
        "  got:      no exception",
        "  hint:     Raise ValueError.",
    ]


def test_expect_raises_fails_on_a_different_exception() -> None:
    with (
        pytest.raises(ExerciseFailure) as info,
        expect_raises(ValueError, what="a missing member is refused"),
    ):
        raise KeyError("m-1")
    assert info.value.lines() == [
        "Not yet: a missing member is refused",
        "  expected: ValueError",
        "  got:      KeyError: 'm-1'",
    ]
    assert isinstance(info.value.__context__, KeyError)


def test_expect_raises_lets_not_implemented_error_through() -> None:
    """An unsolved exercise must stay recognisable as unsolved."""
    with pytest.raises(NotImplementedError), expect_raises(ValueError, what="x"):
        raise NotImplementedError()


def test_expect_raises_lets_an_inner_exercise_failure_through() -> None:
    with pytest.raises(ExerciseFailure, match="Not yet: inner"), expect_raises(KeyError, what="x"):
        fail("inner")


def test_expect_raises_does_not_swallow_base_exceptions() -> None:
    with pytest.raises(KeyboardInterrupt), expect_raises(ValueError, what="x"):
        raise KeyboardInterrupt


# --- expect_valid / expect_invalid ---------------------------------------------------------------


class MemberIn(BaseModel):
    name: str = Field(min_length=1)
    age: int = Field(ge=0)

    @field_validator("name")
    @classmethod
    def no_digits(cls, value: str) -> str:
        if value == "type-error":
            raise TypeError("validators should raise ValueError")
        if value == "unsolved":
            raise NotImplementedError()
        if any(ch.isdigit() for ch in value):
            raise ValueError("a name has no digits")
        return value


class Period(BaseModel):
    start: int
    end: int

    @model_validator(mode="after")
    def ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("end before start")
        return self


def test_expect_valid_returns_the_validated_instance() -> None:
    member = expect_valid(MemberIn, {"name": "Ada", "age": "36"}, what="a valid member")
    assert isinstance(member, MemberIn)
    assert (member.name, member.age) == ("Ada", 36)


def test_expect_valid_fails_with_the_validation_errors() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_valid(MemberIn, {"name": "Ada", "age": -1}, what="a valid member", hint="h")
    lines = info.value.lines()
    assert lines[0] == "Not yet: a valid member"
    assert lines[1] == "  expected: valid input {'age': -1, 'name': 'Ada'}"  # reprlib sorts keys
    assert (
        lines[2] == "  got:      ValidationError (age: Input should be greater than or equal to 0)"
    )
    assert lines[3] == "  hint:     h"


def test_expect_valid_names_a_model_level_error() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_valid(Period, {"start": 2, "end": 1}, what="a period")
    assert "<model>: Value error, end before start" in info.value.lines()[2]


def test_expect_valid_reports_a_validator_that_raises_the_wrong_kind_of_error() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_valid(MemberIn, {"name": "type-error", "age": 1}, what="a valid member")
    assert info.value.lines() == [
        "Not yet: a valid member",
        "  expected: a validated model or a ValidationError",
        "  got:      TypeError: validators should raise ValueError",
        "  hint:     Validators should raise ValueError; Pydantic turns it into a ValidationError.",
    ]


def test_expect_valid_rejects_something_that_is_not_a_model() -> None:
    with pytest.raises(ExerciseFailure) as info:
        # Wrong on purpose: ``dict`` is no Pydantic model.
        expect_valid(dict, {"a": 1}, what="a valid member")  # type: ignore[type-var]
    assert info.value.lines()[0] == "Not yet: <class 'dict'> should be a Pydantic model"


def test_expect_valid_lets_not_implemented_error_through() -> None:
    with pytest.raises(NotImplementedError):
        expect_valid(MemberIn, {"name": "unsolved", "age": 1}, what="a valid member")


def test_expect_invalid_returns_the_validation_error() -> None:
    error = expect_invalid(MemberIn, {"name": "R2D2", "age": 3}, field="name", what="no digits")
    assert isinstance(error, ValidationError)
    assert error.errors()[0]["loc"] == ("name",)


def test_expect_invalid_without_a_field_accepts_any_rejection() -> None:
    expect_invalid(MemberIn, {"name": "Ada"}, what="age is required")
    expect_invalid(Period, {"start": 2, "end": 1}, what="end before start")


def test_expect_invalid_fails_when_another_field_is_rejected() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_invalid(
            MemberIn, {"name": "Ada", "age": -5}, field="name", what="names are checked", hint="h"
        )
    assert info.value.lines() == [
        "Not yet: names are checked",
        "  expected: a ValidationError for field 'name'",
        "  got:      ValidationError (age: Input should be greater than or equal to 0)",
        "  hint:     h",
    ]


def test_expect_invalid_with_a_field_fails_on_a_model_level_error() -> None:
    with pytest.raises(ExerciseFailure, match="for field 'end'"):
        expect_invalid(Period, {"start": 2, "end": 1}, field="end", what="end is checked")


def test_expect_invalid_fails_when_the_input_is_accepted() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_invalid(MemberIn, {"name": "Ada", "age": 1}, field="name", what="a bad name")
    assert info.value.lines() == [
        "Not yet: a bad name",
        "  expected: a ValidationError for field 'name'",
        "  got:      accepted: MemberIn(name='Ada', age=1)",
    ]


def test_expect_invalid_without_a_field_says_so_when_accepted() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_invalid(MemberIn, {"name": "Ada", "age": 1}, what="a bad member")
    assert info.value.lines()[1] == "  expected: a ValidationError"


def test_expect_invalid_reports_a_validator_that_raises_the_wrong_kind_of_error() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_invalid(MemberIn, {"name": "type-error", "age": 1}, field="name", what="a bad name")
    assert info.value.lines()[1:] == [
        "  expected: a ValidationError",
        "  got:      TypeError: validators should raise ValueError",
        "  hint:     Validators should raise ValueError; Pydantic turns it into a ValidationError.",
    ]


def test_expect_invalid_keeps_an_explicit_hint_for_the_wrong_kind_of_error() -> None:
    with pytest.raises(ExerciseFailure) as info:
        expect_invalid(MemberIn, {"name": "type-error", "age": 1}, what="x", hint="mine")
    assert info.value.lines()[-1] == "  hint:     mine"


def test_expect_invalid_lets_not_implemented_error_through() -> None:
    with pytest.raises(NotImplementedError):
        expect_invalid(MemberIn, {"name": "unsolved", "age": 1}, field="name", what="x")


def test_expect_invalid_rejects_something_that_is_not_a_model() -> None:
    with pytest.raises(ExerciseFailure, match="should be a Pydantic model"):
        # Wrong on purpose: an instance where the model class belongs.
        expect_invalid(Point(x=1, y=1), {}, what="x")  # type: ignore[arg-type]


# --- expect_call ---------------------------------------------------------------------------------


def test_expect_call_returns_the_result() -> None:
    assert expect_call(divmod, 7, 2, what="divmod") == (3, 1)
    assert expect_call(dict, what="dict", a=1) == {"a": 1}


def test_expect_call_turns_an_exception_into_a_failure() -> None:
    def borrow(title: str) -> None:
        raise LookupError(f"no copy of {title}")

    with pytest.raises(ExerciseFailure) as info:
        expect_call(borrow, "Dune", what="borrow('Dune')", hint="Look at the shelf first.")
    assert info.value.lines() == [
        "Not yet: borrow('Dune')",
        "  expected: a result",
        "  got:      LookupError: no copy of Dune",
        "  hint:     Look at the shelf first.",
    ]


def test_expect_call_lets_not_implemented_error_through() -> None:
    def unsolved() -> None:
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        expect_call(unsolved, what="x")


def test_expect_equal_names_the_types_when_the_texts_agree() -> None:
    class Name(str):
        pass

    with pytest.raises(ExerciseFailure) as info:
        expect_equal(Name("members"), "members", what="the table name")
    message = info.value.render()
    assert "'members' of type str" in message and "'members' of type Name" in message
