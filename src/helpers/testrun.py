"""Run tests written in a notebook as a real pytest session, in this process.

``run_tests(TestLoanLimit)`` collects the given test functions and classes, with every
fixture defined beside them (in the notebook: every fixture a cell defined), and runs
them through ``pytest.main``: fixtures, parametrisation, marks and the anyio plugin
behave exactly as under ``pytest`` in a terminal. The result lists each test's outcome
and, for a failure, the line pytest would show.

The session is kept apart from the kernel and bounded:

- it runs in a thread of its own, so the anyio plugin gets its own event loop (the
  kernel's is running) and the kernel waits at most ``session_timeout`` seconds;
- no plugin is loaded from entry points and no configuration file is read: only
  pytest's own plugins and anyio's, the same in every kernel and every grader;
- a test may not sleep (a fixed clock makes time pass), open a network connection
  beyond this machine, or run longer than ``test_timeout`` seconds: it fails, saying so.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from inspect import iscoroutinefunction, isfunction
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
from _pytest.fixtures import FixtureFunctionDefinition

MODULE_NAME = "test_notebook"
TEST_TIMEOUT = 10.0
SESSION_TIMEOUT = 120.0
ANYIO_PLUGIN = "anyio._notebook_pytest_plugin"
"""A private copy of anyio's plugin: the plugin keeps its event loop runner in module
globals, and a session run from inside another one (a course test) must not share it."""
OPTIONS = (
    "--disable-plugin-autoload",
    "-p",
    ANYIO_PLUGIN,
    "-p",
    "no:cacheprovider",
    "-p",
    "no:faulthandler",
    "-p",
    "no:terminal",
    "-p",
    "no:unraisableexception",
    "-p",
    "no:doctest",
    "-p",
    "no:junitxml",
    "-p",
    "no:pastebin",
    "-p",
    "no:stepwise",
    "--capture=no",
)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # a fixture failed, in setup or teardown
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestResult:
    """One test's outcome; ``message`` is the line pytest shows for a failure, ``raised``
    the class of the exception that failed it, ``fixtures`` every fixture the test used
    (those it asked for and theirs), ``missing_fixture`` the one that was not defined."""

    __test__ = False  # not a test class itself

    name: str
    outcome: Outcome
    message: str = ""
    raised: type[BaseException] | None = None
    fixtures: tuple[str, ...] = ()
    missing_fixture: str | None = None


@dataclass
class SessionResult:
    """What one pytest session found; ``problem`` says why it could not run at all."""

    __test__ = False

    tests: list[TestResult] = field(default_factory=list)
    problem: str | None = None

    @property
    def all_passed(self) -> bool:
        return (
            self.problem is None
            and bool(self.tests)
            and all(t.outcome is Outcome.PASSED for t in self.tests)
        )

    @property
    def failing(self) -> list[TestResult]:
        return [t for t in self.tests if t.outcome in (Outcome.FAILED, Outcome.ERROR)]

    def summary(self) -> str:
        if self.problem is not None:
            return f"The tests could not run: {self.problem}"
        counts = {o: sum(t.outcome is o for t in self.tests) for o in Outcome}
        parts = [f"{n} {outcome}" for outcome, n in counts.items() if n]
        lines = [", ".join(parts) or "no tests collected"]
        lines += [f"  {t.outcome.upper()} {t.name}: {t.message}" for t in self.failing]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class ForbiddenInTest(Exception):
    """A test did something a unit test must not: wait, or reach the network."""


def run_tests(
    *tests: Any,
    plugins: tuple[str, ...] = (),
    test_timeout: float = TEST_TIMEOUT,
    session_timeout: float = SESSION_TIMEOUT,
) -> SessionResult:
    """Run ``tests`` (test functions and ``Test*`` classes) as one pytest session.

    ``plugins`` names modules to load as pytest plugins (fixtures of a test kit), after
    anyio's: a fixture of theirs replaces the plugin's of the same name.
    """
    (result,) = run_rounds(
        tests,
        [nullcontext],
        plugins=plugins,
        test_timeout=test_timeout,
        session_timeout=session_timeout,
    )
    return result


def run_rounds(
    tests: Sequence[Any],
    rounds: Sequence[Callable[[], AbstractContextManager[object]]],
    *,
    plugins: tuple[str, ...] = (),
    test_timeout: float = TEST_TIMEOUT,
    session_timeout: float = SESSION_TIMEOUT,
) -> list[SessionResult]:
    """Run ``tests`` once per round, in one pytest session: one result per round.

    Round ``k`` is a module of its own, and ``rounds[k]()`` is entered around it (a
    module-scoped fixture), so a round can run the tests against a changed service.
    """
    if not tests:
        problem = "no tests were given: pass your test class or functions"
        return [SessionResult(problem=problem) for _ in rounds]
    unnamed = [test for test in tests if not isinstance(getattr(test, "__name__", None), str)]
    if unnamed:
        problem = f"give test functions or Test... classes, not {type(unnamed[0]).__name__}"
        return [SessionResult(problem=problem) for _ in rounds]
    _load_anyio_plugin()
    recorder = _Recorder(
        {f"{MODULE_NAME}_{k}": _test_module(tests, enter) for k, enter in enumerate(rounds)},
        test_timeout,
    )
    outcome: dict[str, BaseException] = {}

    def session() -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="notebook-tests-") as folder:
                root = Path(folder)
                (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
                for name in recorder.modules:
                    (root / f"{name}.py").write_text("", encoding="utf-8")
                loaded = [arg for name in plugins for arg in ("-p", name)]
                config = ["-c", str(root / "pytest.ini"), "--rootdir", folder]
                pytest.main([*OPTIONS, *loaded, *config, folder], plugins=[recorder])
        except BaseException as exc:  # reported below, never raised into the kernel
            outcome["error"] = exc

    worker = threading.Thread(target=session, name="notebook-tests", daemon=True)
    worker.start()
    worker.join(session_timeout)
    if worker.is_alive():
        problem = (
            f"the tests ran longer than {session_timeout:g} s in all and were abandoned; "
            "restart the kernel before running them again"
        )
        return [SessionResult(problem=problem) for _ in rounds]
    if "error" in outcome:
        exc = outcome["error"]
        problem = f"pytest stopped with {type(exc).__name__}: {exc}"
        return [SessionResult(problem=problem) for _ in rounds]
    results = []
    for name in recorder.modules:
        result = SessionResult(recorder.results(name), recorder.problem)
        if result.problem is None and not result.tests:
            result.problem = "no tests were collected: name them test_... (in a class Test...)"
        results.append(result)
    return results


def _load_anyio_plugin() -> None:
    if ANYIO_PLUGIN in sys.modules:
        return
    spec = importlib.util.find_spec("anyio.pytest_plugin")
    if spec is None or spec.origin is None:  # pragma: no cover - anyio always ships it
        raise RuntimeError("anyio's pytest plugin is missing")
    copy = importlib.util.spec_from_file_location(ANYIO_PLUGIN, spec.origin)
    if copy is None or copy.loader is None:  # pragma: no cover
        raise RuntimeError("anyio's pytest plugin cannot be loaded")
    module = importlib.util.module_from_spec(copy)
    sys.modules[ANYIO_PLUGIN] = module
    copy.loader.exec_module(module)


def _test_module(
    tests: Sequence[Any], enter: Callable[[], AbstractContextManager[object]]
) -> ModuleType:
    """A module holding ``tests``, every fixture defined where they were defined, and the
    round's fixture."""
    module = ModuleType(MODULE_NAME, "Tests collected from a notebook.")
    for test in tests:
        for name, value in _home(test).items():
            if isinstance(value, FixtureFunctionDefinition):
                module.__dict__.setdefault(name, value)
    for test in tests:
        module.__dict__[test.__name__] = test

    @pytest.fixture(autouse=True, scope="module")
    def _notebook_round() -> Iterator[None]:
        with enter():
            yield

    module.__dict__["_notebook_round"] = _notebook_round
    module.__dict__["pytestmark"] = [pytest.mark.anyio]
    return module


def _home(test: Any) -> dict[str, Any]:
    """The globals a test was defined in (a notebook's namespace, or a module's)."""
    members = getattr(test, "__dict__", {}).values()
    functions = [test] if isfunction(test) else [v for v in members if isfunction(v)]
    return functions[0].__globals__ if functions else {}


class _NotebookModule(pytest.Module):
    """A pytest module whose object is built in memory, not imported from its file."""

    namespace: ModuleType

    def _getobj(self) -> ModuleType:
        return self.namespace


class _Recorder:
    """The session's plugin: collects the notebook's module and records each outcome."""

    def __init__(self, modules: dict[str, ModuleType], test_timeout: float) -> None:
        self.modules = modules
        self.test_timeout = test_timeout
        self.outcomes: dict[str, dict[str, TestResult]] = {name: {} for name in modules}
        self.raised: dict[str, type[BaseException]] = {}  # node id -> exception class
        self.missing: dict[str, str] = {}  # node id -> the fixture that was not defined
        self.fixtures: dict[str, tuple[str, ...]] = {}  # node id -> the fixtures it used
        self.problem: str | None = None

    def results(self, module: str) -> list[TestResult]:
        return list(self.outcomes[module].values())

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path: Path, parent: pytest.Collector) -> Any:
        if module_path.stem not in self.modules:
            return None
        collector = _NotebookModule.from_parent(parent, path=module_path)
        collector.namespace = self.modules[module_path.stem]
        return collector

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problem = f"collecting the tests failed: {_short(report)}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module, _, name = report.nodeid.partition("::")
        outcomes = self.outcomes[Path(module).stem]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.skipped:
                outcome = Outcome.SKIPPED
            elif report.failed:
                outcome = Outcome.FAILED if report.when == "call" else Outcome.ERROR
            else:
                outcome = Outcome.PASSED
            missing = self.missing.pop(report.nodeid, None)
            message = _short(report, missing) if report.failed else ""
            outcomes[name] = TestResult(
                name,
                outcome,
                message,
                self.raised.pop(report.nodeid, None),
                self.fixtures.get(report.nodeid, ()),
                missing,
            )
        elif report.when == "teardown" and report.failed:
            raised = self.raised.pop(report.nodeid, None)
            fixtures = self.fixtures.get(report.nodeid, ())
            outcomes[name] = TestResult(name, Outcome.ERROR, _short(report), raised, fixtures)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self.fixtures[item.nodeid] = tuple(getattr(item, "fixturenames", ()))
        if call.excinfo is not None:
            self.raised[item.nodeid] = call.excinfo.type
            error = call.excinfo.value
            if isinstance(error, pytest.FixtureLookupError) and error.msg is None and error.argname:
                self.missing[item.nodeid] = error.argname  # no fixture of that name: pytest's case
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with _no_waiting_or_network():
            yield

    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Generator[None, object, object]:
        original = pyfuncitem.obj
        if iscoroutinefunction(original):
            pyfuncitem.obj = _bounded(original, self.test_timeout)
        try:
            result = yield
            return result
        finally:
            pyfuncitem.obj = original


def _short(report: pytest.TestReport | pytest.CollectReport, missing: str | None = None) -> str:
    """The error pytest reports, and the test's line that raised it (marked ``>``);
    ``missing`` names a fixture that was asked for and is not defined."""
    if missing is not None:
        return (
            f"fixture {missing!r} not found: no fixture of that name is defined yet (run the "
            "cell that defines it, or check the argument's name)"
        )
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    first = text.strip().splitlines()[0] if text.strip() else "failed"
    first = first.removeprefix(f"{__name__}.")
    marked = [line[1:].strip() for line in report.longreprtext.splitlines() if line.startswith(">")]
    if marked and marked[0] not in (first, "???") and not first.startswith("ForbiddenInTest"):
        first = f"{first} (at: {marked[0]})"
    return first if len(first) <= 300 else first[:297] + "..."


def _bounded(test: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    @functools.wraps(test)
    async def bounded(**kwargs: Any) -> None:
        with anyio.move_on_after(seconds) as scope:
            await test(**kwargs)
        if scope.cancelled_caught:
            raise ForbiddenInTest(f"this test ran longer than {seconds:g} s, the bound")

    return bounded


def _refuse_sleep(what: str, delay: float) -> None:
    if delay > 0:
        raise ForbiddenInTest(
            f"this test sleeps ({what}({delay!r})): a test must not wait for time to "
            "pass; make it pass with the fixed clock (clock.advance(days=...))"
        )


@contextmanager
def _no_waiting_or_network() -> Iterator[None]:
    real_sleep, real_async_sleep, real_anyio_sleep = time.sleep, asyncio.sleep, anyio.sleep
    real_connect = socket.socket.connect

    def sleep(delay: float) -> None:
        _refuse_sleep("time.sleep", delay)
        real_sleep(delay)

    async def async_sleep(delay: float, result: Any = None) -> Any:
        _refuse_sleep("asyncio.sleep", delay)
        return await real_async_sleep(delay, result)

    async def anyio_sleep(delay: float) -> None:
        _refuse_sleep("anyio.sleep", delay)
        await real_anyio_sleep(delay)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address):
            raise ForbiddenInTest(
                f"this test opens a network connection to {address!r}: a test of the "
                "service calls it through ASGITransport and reads nothing from the network"
            )
        real_connect(self, address)

    own_connect = "connect" in vars(socket.socket)  # else inherited from _socket.socket
    # Stand-ins while the learner's tests run, put back below: replacing a module's
    # function or a class's method is what mypy's two ignores here are about.
    time.sleep, asyncio.sleep, anyio.sleep = sleep, async_sleep, anyio_sleep  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        time.sleep, asyncio.sleep, anyio.sleep = real_sleep, real_async_sleep, real_anyio_sleep
        if own_connect:
            socket.socket.connect = real_connect  # type: ignore[method-assign]
        else:
            del socket.socket.connect  # the class is exactly as it was


def _local(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) and address else ""
    return host in ("127.0.0.1", "::1", "localhost")
