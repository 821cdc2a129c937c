"""Readable checks for exercise test cells.

A failing check raises :class:`ExerciseFailure`, an ``AssertionError`` whose
message says what was checked, what was expected, what came back and how to
approach the fix. Because it is an exception, the cell still fails and nbgrader
scores it 0; :func:`helpers.notebook.start` only changes how it is displayed.

Comparisons never trust the learner's objects: a value of a built-in type must
have exactly the expected type before ``==`` is consulted, so an object whose
``__eq__`` always answers ``True`` does not pass.
"""

from __future__ import annotations

import inspect
import math
import reprlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from helpers import mistakes

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=BaseException)

_NOTHING = object()
_SCALARS = (bool, int, float, str, bytes, type(None))


def _broken_repr(value: object, exc: Exception) -> str:
    return f"<{type(value).__name__} whose repr() raised {type(exc).__name__}>"


class _ShortRepr(reprlib.Repr):
    """reprlib's short repr, except that a broken ``__repr__`` is named, not shown by address."""

    def repr_instance(self, x: object, level: int) -> str:
        try:
            text = repr(x)
        except Exception as exc:  # the learner's __repr__ may itself be broken
            return _broken_repr(x, exc)
        if len(text) > self.maxother:
            i = max(0, (self.maxother - 3) // 2)
            j = max(0, self.maxother - 3 - i)
            text = text[:i] + "..." + text[len(text) - j :]
        return text


_short = _ShortRepr()
_short.maxstring = 120
_short.maxother = 120
_short.maxlist = _short.maxdict = _short.maxset = _short.maxtuple = 8


def show(value: object) -> str:
    """A short, safe ``repr``: long values are cut, a broken ``__repr__`` is survived."""
    try:
        return _short.repr(value)
    except Exception as exc:  # the learner's __repr__ may itself be broken
        return _broken_repr(value, exc)


class ExerciseFailure(AssertionError):
    """A check in an exercise's test cell did not hold."""

    def __init__(
        self,
        what: str,
        *,
        expected: object = _NOTHING,
        got: object = _NOTHING,
        hint: str | None = None,
    ) -> None:
        self.what = what
        self.expected = expected
        self.got = got
        self.hint = hint
        super().__init__(self.render())

    def lines(self) -> list[str]:
        """The message as labelled lines, for plain and coloured display alike."""
        rows = [f"Not yet: {self.what}"]
        if self.expected is not _NOTHING:
            rows.append(f"  expected: {_as_text(self.expected)}")
        if self.got is not _NOTHING:
            rows.append(f"  got:      {_as_text(self.got)}")
        if self.hint:
            rows.append(f"  hint:     {self.hint}")
        return rows

    def render(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True)
class Described:
    """A value that is shown as prose, not as a ``repr``, in a failure message."""

    text: str


def _as_text(value: object) -> str:
    return value.text if isinstance(value, Described) else show(value)


def fail(
    what: str, *, expected: object = _NOTHING, got: object = _NOTHING, hint: str | None = None
) -> NoReturn:
    """Raise an :class:`ExerciseFailure` (for checks no helper below covers)."""
    raise ExerciseFailure(what, expected=expected, got=got, hint=hint)


def _fail_mistake(
    what: str, expected: object, mistake: mistakes.Mistake, hint: str | None
) -> NoReturn:
    """Fail naming the mistake that was recognised; a certain one's hint replaces the check's,
    which was written for another mistake."""
    if mistake.certain:
        chosen = mistake.hint or hint
    else:
        chosen = f"{hint} {mistake.hint}" if hint else mistake.hint
    fail(what, expected=expected, got=Described(mistake.got), hint=chosen)


def _fail_raised(what: str, exc: Exception, hint: str | None) -> NoReturn:
    """Fail for an exception where a value was expected."""
    mistake = mistakes.in_error(exc)
    if mistake is not None:
        _fail_mistake(what, Described("a result"), mistake, hint)
    got = _errors_text(exc) if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}"
    fail(what, expected=Described("a result"), got=Described(got), hint=hint)


def same_value(got: object, expected: object) -> bool:
    """Structural equality that an object with a rigged ``__eq__`` cannot fool.

    Built-in scalars and containers must match in exact type, element by
    element; floats are compared with a small tolerance. Other objects (enums,
    dates, models) are compared by the *expected* value's ``__eq__`` after an
    exact type check.
    """
    if type(got) is not type(expected):
        return False
    if isinstance(expected, float):
        # From here on ``got`` has exactly ``expected``'s type (checked above), which mypy
        # cannot infer from ``type(got) is type(expected)``: hence the ignores below.
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]
    if isinstance(expected, _SCALARS):
        return got == expected
    if isinstance(expected, list | tuple):
        return len(got) == len(expected) and all(  # type: ignore[arg-type]
            same_value(g, e)
            for g, e in zip(got, expected, strict=False)  # type: ignore[call-overload]
        )
    if isinstance(expected, dict):
        return _typed(got) == _typed(expected) and all(  # type: ignore[arg-type]
            same_value(got[k], v)  # type: ignore[index]
            for k, v in expected.items()
        )
    if isinstance(expected, set | frozenset):
        return _typed(got) == _typed(expected)  # type: ignore[arg-type]
    return type(expected).__eq__(expected, got) is True


def _typed(items: Iterable[object]) -> set[tuple[type, object]]:
    """Keys or items paired with their exact type: ``1``, ``True`` and ``1.0`` differ,
    and a rigged item that hashes like an expected one still does not match it."""
    return {(type(item), item) for item in items}


def expect_equal(
    got: object,
    expected: object,
    *,
    what: str,
    hint: str | None = None,
    watch: mistakes.SessionWatch | None = None,
) -> None:
    """Check that ``got`` equals ``expected`` (see :func:`same_value`).

    ``watch``: for a value read back from the database, what the sessions did while the
    learner's code ran (:func:`helpers.mistakes.watch_sessions`), so that work flushed
    and never committed is named as such."""
    if same_value(got, expected):
        return
    mistake = _lost(watch) or mistakes.in_value(got, expected)
    if mistake is not None:
        _fail_mistake(what, expected, mistake, hint)
    if show(got) == show(expected):  # same text, other type: say so, or it reads "x, got x"
        fail(
            what,
            expected=Described(f"{show(expected)} of type {type(expected).__name__}"),
            got=Described(f"{show(got)} of type {type(got).__name__}"),
            hint=hint,
        )
    fail(what, expected=expected, got=got, hint=hint)


def expect_true(
    condition: object,
    *,
    what: str,
    hint: str | None = None,
    watch: mistakes.SessionWatch | None = None,
) -> None:
    """Check a condition that has no single expected value (``watch``: as for
    :func:`expect_equal`)."""
    if condition is not True:
        mistake = _lost(watch)
        if mistake is not None:
            _fail_mistake(what, _NOTHING, mistake, hint)
        fail(what, hint=hint)


def _lost(watch: mistakes.SessionWatch | None) -> mistakes.Mistake | None:
    return None if watch is None else mistakes.in_lost_work(watch)


def expect_type(value: object, cls: type[T], *, what: str, hint: str | None = None) -> T:
    """``value`` itself, checked to be an instance of ``cls`` (and typed as one)."""
    if not isinstance(value, cls):
        mistake = mistakes.in_value(value, cls)
        if mistake is not None:
            _fail_mistake(what, Described(f"an instance of {cls.__name__}"), mistake, hint)
        fail(
            what,
            expected=Described(f"an instance of {cls.__name__}"),
            got=Described(f"{type(value).__name__}: {show(value)}"),
            hint=hint,
        )
    return value


def expect_found(value: T | None, *, what: str, hint: str | None = None) -> T:
    """``value`` itself, checked to be there: a lookup that finds nothing fails readably."""
    if value is None:
        fail(what, expected=Described("a stored row"), got=None, hint=hint)
    return value


def expect_subclass(cls: object, base: type, *, what: str, hint: str | None = None) -> None:
    """Check that ``cls`` is a class derived from ``base``."""
    if not (isinstance(cls, type) and issubclass(cls, base)):
        fail(
            what,
            expected=Described(f"a subclass of {base.__name__}"),
            got=Described(show(cls)),
            hint=hint,
        )


@contextmanager
def expect_raises(exc_type: type[E], *, what: str, hint: str | None = None) -> Iterator[list[E]]:
    """Check that the ``with`` body raises ``exc_type``; yields a list holding it."""
    caught: list[E] = []
    try:
        yield caught
    except exc_type as exc:
        caught.append(exc)
        return
    except (ExerciseFailure, NotImplementedError):
        raise
    except Exception as exc:
        mistake = mistakes.in_error(exc)
        if mistake is not None:
            _fail_mistake(what, Described(exc_type.__name__), mistake, hint)
        fail(
            what,
            expected=Described(exc_type.__name__),
            got=Described(f"{type(exc).__name__}: {exc}"),
            hint=hint,
        )
    fail(
        what,
        expected=Described(exc_type.__name__),
        got=Described("no exception"),
        hint=hint,
    )


def _errors_text(error: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in item['loc']) or '<model>'}: {item['msg']}"
        for item in error.errors(include_url=False)
    ]
    return "ValidationError (" + "; ".join(parts) + ")"


def expect_valid(
    model: type[M], data: Mapping[str, Any], *, what: str, hint: str | None = None
) -> M:
    """Check that ``model`` accepts ``data``; returns the validated instance."""
    expect_subclass(
        model,
        BaseModel,
        what=f"{show(model)} should be a Pydantic model",
        hint="Define it as `class Name(BaseModel): ...`.",
    )
    try:
        result = model.model_validate(dict(data))
    except NotImplementedError:
        raise
    except ValidationError as exc:
        fail(
            what,
            expected=Described(f"valid input {show(dict(data))}"),
            got=Described(_errors_text(exc)),
            hint=hint,
        )
    except Exception as exc:
        mistake = mistakes.in_error(exc)
        if mistake is not None:
            _fail_mistake(what, Described(f"a valid {model.__name__}"), mistake, hint)
        fail(
            what,
            expected=Described("a validated model or a ValidationError"),
            got=Described(f"{type(exc).__name__}: {exc}"),
            hint=hint
            or "Validators should raise ValueError; Pydantic turns it into a ValidationError.",
        )
    if not isinstance(result, model):  # a model validator that returned something else
        fail(
            what,
            expected=Described(f"a {model.__name__} instance"),
            got=Described(
                "None: a model validator returned nothing"
                if result is None
                else f"{type(result).__name__}: {show(result)}"
            ),
            hint="A `model_validator(mode='after')` must `return self`.",
        )
    return result


def expect_invalid(
    model: type[BaseModel],
    data: Mapping[str, Any],
    *,
    field: str | None = None,
    what: str,
    hint: str | None = None,
) -> ValidationError:
    """Check that ``model`` rejects ``data`` (at ``field`` when given)."""
    expect_subclass(
        model,
        BaseModel,
        what=f"{show(model)} should be a Pydantic model",
        hint="Define it as `class Name(BaseModel): ...`.",
    )
    try:
        accepted = model.model_validate(dict(data))
    except ValidationError as exc:
        locations = {str(item["loc"][0]) for item in exc.errors() if item["loc"]}
        if field is not None and field not in locations:
            fail(
                what,
                expected=Described(f"a ValidationError for field {field!r}"),
                got=Described(_errors_text(exc)),
                hint=hint,
            )
        return exc
    except NotImplementedError:
        raise
    except Exception as exc:
        fail(
            what,
            expected=Described("a ValidationError"),
            got=Described(f"{type(exc).__name__}: {exc}"),
            hint=hint
            or "Validators should raise ValueError; Pydantic turns it into a ValidationError.",
        )
    fail(
        what,
        expected=Described("a ValidationError" + (f" for field {field!r}" if field else "")),
        got=Described(f"accepted: {show(accepted)}"),
        hint=hint,
    )


async def expect_awaited(awaitable: Awaitable[T], *, what: str, hint: str | None = None) -> T:
    """Await ``awaitable``; an exception or an un-awaited result becomes a readable failure."""
    if not inspect.isawaitable(awaitable):
        fail(
            what,
            expected=Described("a coroutine to await (from an `async def` function)"),
            got=Described(f"{type(awaitable).__name__}: {show(awaitable)}"),
            hint="Define the function with `async def`: it does I/O, and callers `await` it.",
        )
    try:
        result = await awaitable
    except (NotImplementedError, ExerciseFailure):
        raise
    except Exception as exc:
        _fail_raised(what, exc, hint)
    mistake = mistakes.in_value(result)  # a coroutine the function returned without awaiting
    if mistake is not None:
        _fail_mistake(what, Described("a result"), mistake, hint)
    return result


def expect_call(
    fn: Callable[..., T], *args: Any, what: str, hint: str | None = None, **kwargs: Any
) -> T:
    """Call ``fn``; an unexpected exception becomes a readable failure."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        _fail_raised(what, exc, hint)
