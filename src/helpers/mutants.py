"""Grade a learner's tests by the bugs they catch (mutation testing).

A *mutant* is the reference service with one realistic bug in it: a function of a
layer replaced by a wrong version, an entry of a table changed. A good suite passes
against the reference and fails against each mutant ("kills" it). A test cell

- runs the learner's tests against the reference (every test must pass) and against
  the visible mutants (each must be caught): :func:`check_tests`, whose failures name
  the bug in words, never its code;
- then, in the hidden tests, scores the share of the hidden mutants the tests kill:
  :func:`mutation_score`, whose result is the cell's last value, nbgrader's partial
  credit. A suite that misses a visible mutant (every exercise has one that breaks a
  failure path) scores 0, so tests of the happy path alone earn nothing.

Against the reference, every function a mutant replaces is replaced too, by a wrapper
that only calls the original: a test that notices *that* something was replaced, rather
than what the code does, fails against the reference and earns nothing.

Every run is a real pytest session (:func:`helpers.testrun.run_tests`), in order, on a
fresh in-memory database: the same tests get the same points every time.
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
import textwrap
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from inspect import iscoroutinefunction, isfunction
from typing import Any

import pytest

from helpers.checks import Described, fail
from helpers.testrun import Outcome, SessionResult, TestResult, run_rounds


@dataclass(frozen=True)
class Patch:
    """Set ``name`` of ``target`` (an attribute; a key when ``target`` is a dict)."""

    target: Any
    name: str | Any
    value: Any

    def apply(self, patcher: pytest.MonkeyPatch) -> None:
        if isinstance(self.target, MutableMapping):
            patcher.setitem(self.target, self.name, self.value)
        else:
            patcher.setattr(self.target, self.name, self.value)

    def sham(self) -> Patch:
        """The same place, holding a stand-in that behaves exactly as the original."""
        if isinstance(self.target, Mapping):
            return Patch(self.target, self.name, self.target[self.name])
        original = getattr(self.target, self.name)
        return Patch(self.target, self.name, _stand_in(original))


def _stand_in(original: Any) -> Any:
    if not isfunction(original):
        return original
    if iscoroutinefunction(original):

        @functools.wraps(original)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await original(*args, **kwargs)

        del call_async.__wrapped__
        return call_async

    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **kwargs)

    del call.__wrapped__
    return call


@dataclass(frozen=True)
class Mutant:
    """One realistic bug: what it breaks, in the words a failure shows, and where it is."""

    bug: str
    patches: tuple[Patch, ...]
    hint: str = ""


def mutant(bug: str, target: Any, name: str | Any, value: Any, *, hint: str = "") -> Mutant:
    """A mutant made by one patch: ``target.name = value`` (or ``target[name] = value``)."""
    return Mutant(bug, (Patch(target, name, value),), hint)


def rewritten(
    bug: str,
    owner: Any,
    name: str,
    old: str,
    new: str,
    *,
    names: Mapping[str, Any] | None = None,
    hint: str = "",
) -> Mutant:
    """A mutant of function ``owner.name`` (a module's or a class's) whose source has ``old``
    replaced by ``new``, as a mutation-testing tool would change it.

    ``old`` must occur exactly once, so that every mutant really differs from the
    reference; ``names`` adds globals the new code uses that its module does not import.
    """
    original = getattr(owner, name)
    if original.__code__.co_freevars:  # a closure, or zero-argument super(): not re-creatable
        raise ValueError(f"{original.__qualname__} uses names of an enclosing scope")
    source = textwrap.dedent(inspect.getsource(original))
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times in {original.__qualname__}")
    namespace = {**vars(sys.modules[original.__module__]), **(names or {})}
    code = compile(
        "from __future__ import annotations\n" + source.replace(old, new),
        f"<mutant of {original.__module__}.{original.__qualname__}>",
        "exec",
    )
    exec(code, namespace)
    return Mutant(bug, (Patch(owner, name, namespace[original.__name__]),), hint)


@dataclass(frozen=True)
class Fixtures:
    """The fixtures an exercise's tests are to take, so that feedback names a wrong one.

    ``use`` says in words which fixtures to take and how; ``misfits`` maps a fixture that
    exists but does not fit the exercise (an earlier notebook's, say) to what it is.
    """

    use: str
    misfits: Mapping[str, str] = field(default_factory=dict)


@contextmanager
def patched(patches: Sequence[Patch]) -> Iterator[None]:
    patcher = pytest.MonkeyPatch()
    try:
        for patch in patches:
            patch.apply(patcher)
        yield
    finally:
        patcher.undo()


def _rounds(
    suite: Any, mutants: Sequence[Mutant], plugins: tuple[str, ...]
) -> tuple[SessionResult, list[SessionResult]]:
    """The suite's result on the reference, then on each mutant: one pytest session.

    On the reference, each place a mutant changes holds a faithful stand-in.
    """
    shams = [patch.sham() for m in mutants for patch in m.patches]
    rounds = [functools.partial(patched, shams)]
    rounds += [functools.partial(patched, m.patches) for m in mutants]
    reference, *mutated = run_rounds([suite], rounds, plugins=plugins)
    return reference, mutated


def suite_named(namespace: Mapping[str, Any], name: str) -> Any:
    """The test class ``name`` from a notebook's namespace.

    Missing means not solved yet (the unsolved cell raises before defining it); a class
    without test methods, or something else of that name, is a mistake to name.
    """
    suite = namespace.get(name)
    if suite is None:
        raise NotImplementedError(f"{name} is not defined yet")
    if not isinstance(suite, type) or not any(n.startswith("test") for n in vars(suite)):
        fail(
            f"{name} is a class with tests",
            got=Described(f"{type(suite).__name__} without a method test_..."),
            hint=f"Write each test as a method of `class {name}:` whose name starts with "
            "test_, taking the fixtures it needs as arguments.",
        )
    return suite


def _unsolved(result: SessionResult) -> bool:
    """A test raised NotImplementedError: a stub left in place."""
    return any(
        t.raised is not None and issubclass(t.raised, NotImplementedError) for t in result.failing
    )


def check_tests(
    suite: Any,
    mutants: Sequence[Mutant],
    *,
    what: str,
    plugins: tuple[str, ...] = (),
    fixtures: Fixtures | None = None,
) -> None:
    """Visible feedback: ``suite`` passes on the reference and catches each of ``mutants``.

    ``plugins``: modules of fixtures to load (a notebook's fixtures are its own cells');
    ``fixtures``: which of them the exercise's tests are to take.
    """
    reference, mutated = _rounds(suite, mutants, plugins)
    if _unsolved(reference):
        raise NotImplementedError(f"a test of {suite.__name__} is not written yet")
    if reference.problem is not None:
        fail(
            f"your tests of {what} run",
            got=Described(reference.problem),
            hint="Define the tests as methods test_... of the class, taking fixtures as arguments.",
        )
    if not reference.all_passed:
        _fail_on_fixtures(reference, what, fixtures)
        fail(
            f"every test of {what} passes against the correct service",
            got=Described(_failures(reference)),
            hint="A test that fails on correct code is wrong: read what it expected, and "
            "check the rule in the task again.",
        )
    for bug, result in zip(mutants, mutated, strict=True):
        if result.all_passed:
            fail(
                f"your tests of {what} catch this bug: {bug.bug}",
                got=Described("every test passed with the bug in place"),
                hint=bug.hint
                or "Add a test that does what the bug breaks, and assert on the result.",
            )


def mutation_score(
    suite: Any, mutants: Sequence[Mutant], *, points: float, plugins: tuple[str, ...] = ()
) -> float:
    """Points for the share of ``mutants`` the suite kills; 0 if it fails on the reference.

    The value is rounded down to a hundredth of a point, so it never exceeds ``points``.
    """
    reference, mutated = _rounds(suite, mutants, plugins)
    if not reference.all_passed:
        print(f"Your tests fail against the correct service: 0 of {points:g} points.")
        return 0.0
    killed = sum(not result.all_passed for result in mutated)
    score = math.floor(points * killed / len(mutants) * 100) / 100
    print(f"Your tests catch {killed} of {len(mutants)} bugs: {score:g} of {points:g} points.")
    return score


def _fail_on_fixtures(result: SessionResult, what: str, fixtures: Fixtures | None) -> None:
    """Fail naming each fixture a failing test asked for that is not defined, or that does
    not fit the exercise; return when no failing test took one."""
    misfits = fixtures.misfits if fixtures is not None else {}
    found = [line for test in result.failing if (line := _fixture_mistake(test, misfits))]
    if not found:
        return
    fail(
        f"every test of {what} passes against the correct service, on the fixtures this "
        "exercise provides",
        got=Described("\n".join(found[:5]) + ("\n..." if len(found) > 5 else "")),
        hint=fixtures.use
        if fixtures is not None
        else "Take as arguments only fixtures that are defined: check each argument's name.",
    )


def _fixture_mistake(test: TestResult, misfits: Mapping[str, str]) -> str | None:
    if test.missing_fixture is not None:
        return f"{test.name} asks for the fixture `{test.missing_fixture}`, which is not defined"
    # pytest lists the fixtures a test asks for before theirs: the first misfit is the one
    # the test (or a fixture of the learner's) took, not one that misfit itself depends on
    taken = next((name for name in test.fixtures if name in misfits), None)
    if taken is None:
        return None
    return (
        f"{test.name} takes the fixture `{taken}`, {misfits[taken]}; it failed with: {test.message}"
    )


def _failures(result: SessionResult) -> str:
    lines = [f"{t.name}: {t.message}" for t in result.tests if t.outcome is not Outcome.PASSED]
    return "\n".join(lines[:5]) + ("\n..." if len(lines) > 5 else "")
