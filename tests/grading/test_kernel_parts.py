"""The grading kernel's parts, outside a kernel: comparisons, instrumentation, snapshots."""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import types
from collections.abc import Callable
from typing import Any

import pytest

from coursetools.grading.kernel import runtime
from coursetools.grading.kernel.instrument import PreparedTree, instrument
from coursetools.grading.kernel.snapshot import Namespace, Place, Watch

TRUSTED = runtime.Runtime(("/nowhere/",))


class Rigged:
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


class Honest:
    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Honest):
            return NotImplemented
        return self.value == other.value

    __hash__ = object.__hash__


class LiesAboutClass:
    # A property over ``__class__``, which mypy will not have: the lie is the point.
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return int


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("==", Rigged(), 5, False),
        ("==", 5, Rigged(), False),
        ("==", [Rigged()], [6], False),
        ("==", {"a": Rigged()}, {"a": 1}, False),
        ("!=", Rigged(), 5, True),
        ("in", Rigged(), [1, 2], False),
        ("in", 3, [Rigged()], False),
        ("not in", 3, [Rigged()], True),
        ("==", Honest(1), Honest(1), True),
        ("==", Honest(1), Honest(2), False),
        ("!=", Honest(1), Honest(2), True),
        ("==", 1, 1.0, True),
        ("in", "b", "abc", True),
        ("==", [Honest(1)], [Honest(1)], True),
    ],
)
def test_comparisons_are_exact_for_honest_objects_and_refuse_rigged_ones(
    op: str, left: object, right: object, expected: bool
) -> None:
    assert TRUSTED.compare(op, left, right) is expected


def test_comparison_results_that_are_not_booleans_pass_through() -> None:
    class Vector(list[int]):  # a trusted-looking container comparing element-wise
        pass

    marker = object()

    class Lazy:
        def __eq__(self, other: object) -> object:  # type: ignore[override]  # not a bool, on purpose
            return marker

    assert TRUSTED.compare("==", Lazy(), 1) is not True  # untrusted and not False: refused
    assert TRUSTED.compare("==", Vector([1]), [1]) is True


def test_isinstance_sees_through_a_lying_class() -> None:
    liar = LiesAboutClass()
    assert isinstance(liar, int)  # plain isinstance is fooled
    assert TRUSTED.isinstance_(liar, int) is False
    assert TRUSTED.isinstance_(3, int) is True
    assert TRUSTED.isinstance_(Honest(1), (int, Honest)) is True


def test_the_marker_records_only_its_own_token() -> None:
    marker = runtime.Marker()
    marker.arm("secret")
    assert marker.done("guess", 5) == 5
    assert marker.disarm("secret") is False
    marker.arm("secret")
    marker.done("secret")
    assert marker.disarm("secret") is True
    marker.arm("secret")
    marker.done("secret")
    marker.arm("other")  # re-arming by anyone else voids the run being watched
    assert marker.disarm("secret") is False


def _run(source: str, token: str = "t0k3n") -> tuple[dict[str, object], bool]:
    marker = runtime.Marker()
    namespace: dict[str, object] = {
        runtime.DONE: marker.done,
        runtime.COMPARE: TRUSTED.compare,
        runtime.ISINSTANCE: TRUSTED.isinstance_,
        "Rigged": Rigged,
    }
    tree = instrument(ast.parse(source), token)
    marker.arm(token)
    with contextlib.suppress(AssertionError):
        exec(compile(tree, "<test>", "exec"), namespace)
    return namespace, marker.disarm(token)


def test_instrumented_tests_record_completion_only_when_they_finish() -> None:
    assert _run("x = 1\nassert x == 1")[1] is True
    assert _run("assert 1 == 2\ny = 3")[1] is False
    assert _run("assert Rigged() == 3")[1] is False
    assert _run("")[1] is True


def test_a_test_reads_the_built_ins_an_answer_shadowed() -> None:
    namespace = {"id": 7, "ValueError": BaseException}  # an answer's `id = book.id`, and worse
    namespace |= {runtime.DONE: runtime.Marker().done, runtime.COMPARE: TRUSTED.compare}
    namespace[runtime.BUILTIN] = functools.partial(getattr, builtins)
    source = "assert callable(id)\ntry:\n    raise KeyError\nexcept ValueError:\n    pass"
    tree = instrument(ast.parse(source), "tok", frozenset({"id", "ValueError"}))
    with pytest.raises(KeyError):
        exec(compile(tree, "<test>", "exec"), namespace)
    assert namespace["id"] == 7  # the answer's own variable is left alone


def test_a_final_expression_keeps_its_value() -> None:
    tree = instrument(ast.parse("1 + 1"), "tok")
    last = tree.body[-1]
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
    # ``args[0]`` is an ``ast.expr``; the instrumented call's first argument is a Constant.
    assert last.value.args[0].value == "tok"  # type: ignore[attr-defined]


def test_the_prepared_tree_is_used_once_and_ignores_its_input() -> None:
    prepared = ast.parse("a = 1")
    transformers: list[object] = []
    step = PreparedTree(prepared, transformers, 0.005)
    transformers.append(step)
    assert step.visit(ast.parse("a = 2")) is prepared
    assert transformers == []
    with pytest.raises(RuntimeError):
        step.visit(ast.parse("a = 3"))


def test_places_restore_lists_and_dicts_in_place() -> None:
    owner = types.SimpleNamespace(hooks=[1, 2], table={"a": [1], "b": [2]})
    hooks, table = owner.hooks, owner.table
    places = [Place.take("hooks", owner, "hooks"), Place.take("table", owner, "table")]
    owner.hooks.append(3)
    owner.table["a"].append(9)
    owner.table["c"] = []
    assert [p.changed() for p in places] == [True, True]
    for place in places:
        place.restore()
    assert owner.hooks is hooks and hooks == [1, 2]
    assert owner.table is table and table == {"a": [1], "b": [2]}
    owner.hooks = []
    places[0].restore()
    assert owner.hooks is hooks


def test_namespaces_report_and_undo_patches() -> None:
    class Target:
        def method(self) -> int:
            return 1

    module = types.ModuleType("demo_module")
    # Patching a module and a class on purpose: the snapshot must see and undo it.
    module.function = len  # type: ignore[attr-defined]
    cell = "/tmp/ipykernel_1/123.py"
    foreign = lambda name: name == cell  # noqa: E731
    snapshots = [Namespace.take("Target", Target, foreign), Namespace.take("m", module, foreign)]
    Target.method = lambda self: 2  # type: ignore[method-assign]
    Target.extra = lambda self: 3  # type: ignore[attr-defined]
    module.function = abs  # type: ignore[attr-defined]
    patched = compile("def sneaky(): pass", cell, "exec")
    exec(patched, vars(module))
    assert sorted(label for s in snapshots for label in s.changed(foreign)) == [
        "Target.extra",
        "Target.method",
        "m.function",
        "m.sneaky",
    ]
    for snapshot in snapshots:
        snapshot.restore(foreign)
    assert Target().method() == 1 and not hasattr(Target, "extra")
    assert module.function is len and not hasattr(module, "sneaky")


def test_install_puts_the_functions_in_builtins() -> None:
    saved = {name: getattr(builtins, name, None) for name in runtime.NAMES}
    try:
        installed = runtime.install(TRUSTED, runtime.Marker())
        assert all(getattr(builtins, name) is installed[name] for name in runtime.NAMES)
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(builtins, name)
            else:
                setattr(builtins, name, value)


def test_a_watch_names_every_snapshot_whose_own_check_could_see_a_change() -> None:
    class Target:
        def method(self) -> int:
            return 1

        def other(self) -> int:
            return 2

    module = types.ModuleType("watched_module")
    module.function = len  # type: ignore[attr-defined]  # a test module made on the fly
    modules = {"watched_module": module}
    foreign = lambda name: False  # noqa: E731
    snapshots: list[Place | Namespace] = [
        Namespace.take("Target", Target, foreign),
        Namespace.take("m", module, foreign),
        Place.take("modules[m]", modules, "watched_module"),
    ]
    watch = Watch()
    assert all(watch.add(snapshot) for snapshot in snapshots)
    assert not watch.add(Place.take("a list", types.SimpleNamespace(hooks=[]), "hooks"))

    def own_checks() -> list[bool]:
        return [
            bool(s.changed(foreign)) if isinstance(s, Namespace) else s.changed() for s in snapshots
        ]

    assert watch.suspects() == [] and own_checks() == [False, False, False]
    module.counter = 1  # type: ignore[attr-defined]  # a module gains a global: its own check decides
    assert watch.suspects() == [snapshots[1]] and own_checks() == [False, False, False]
    modules["another"] = module
    assert watch.suspects() == [snapshots[1]]
    for patch in (
        lambda: setattr(Target, "method", lambda self: 3),
        lambda: delattr(Target, "other"),
        lambda: setattr(module, "function", abs),
        lambda: modules.__setitem__("watched_module", types.ModuleType("impostor")),
        lambda: modules.pop("watched_module"),
    ):
        patch()
        assert watch.suspects() == snapshots and any(own_checks())
        for snapshot in snapshots:
            snapshot.restore(foreign) if isinstance(snapshot, Namespace) else snapshot.restore()
        assert not any(own_checks())


def test_a_snapshot_is_current_only_while_taking_it_again_would_give_the_same() -> None:
    class Target:
        setting = None

        def method(self) -> int:
            return 1

    never = lambda name: False  # noqa: E731
    snapshot = Namespace.take("Target", Target, never)
    assert snapshot.current()
    patches: list[tuple[Callable[[], object], Callable[[], object]]] = [
        (lambda: setattr(Target, "method", lambda self: 2), lambda: None),
        (lambda: setattr(Target, "setting", len), lambda: setattr(Target, "setting", None)),
        (lambda: setattr(Target, "added", 1), lambda: delattr(Target, "added")),
        (lambda: delattr(Target, "setting"), lambda: setattr(Target, "setting", None)),
    ]
    for patch, undo in patches:
        patch()
        assert not snapshot.current()
        undo()
        snapshot.restore(never)
        assert snapshot.current()
    assert Target().method() == 1
    cell = "/tmp/ipykernel_1/9.py"
    namespace: dict[str, Any] = {}
    exec(compile("def sneaky(self): pass", cell, "exec"), namespace)
    Target.sneaky = namespace["sneaky"]  # type: ignore[attr-defined]  # a method added after the class, as a cell would
    tainted = Namespace.take("Target", Target, lambda name: name == cell)
    assert tainted.tainted == ("sneaky",) and not tainted.current()
    assert cell in Namespace.take("Target", Target, never).files()
