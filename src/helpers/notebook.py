"""What a notebook's setup cell switches on: ``start("01-schemas")``.

- exercise failures are shown as their readable message, without a traceback;
- an unsolved exercise says so in words: its stub raises ``NotImplementedError``,
  or a test cell uses a name that the exercise's answer defines (the catalogue
  knows which) and that is not defined yet;
- any other name that is not defined keeps its traceback and gains a way out;
- a graded test cell that passes is recorded for the progress overview;
- a cell that starts with ``# workspace: lending/...`` is saved into the
  learner's package once it runs without error;
- the checkpoint of every earlier layer is restored (or, for the capstone, the
  learner's own package is used, with the reference filling its gaps).

Calling ``start`` again (re-running the setup cell) replaces the hooks rather
than stacking them.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from helpers.checkpoint import restore
from helpers.checks import ExerciseFailure
from helpers.mistakes import in_attribute_error
from helpers.workspace import Workspace, WorkspaceError, saving_enabled, target_of, workspace_dir

STUB = "raise NotImplementedError()"
RED = "\x1b[1;31m"
RESET = "\x1b[0m"
UNSOLVED = (
    "This exercise is not solved yet: its solution cell still raises NotImplementedError.",
    "Replace `raise NotImplementedError()` in the cell with your code, run that cell,",
    "then run the test cell again.",
)
UNDEFINED = (
    "",
    "A name used here is not defined (yet). Run the cells above this one first",
    "(Run > Run All Above). If the name comes from an exercise, its cell must run without error.",
)


def start(notebook_id: str, *, your_package: bool = False) -> None:
    """Prepare the kernel for notebook ``notebook_id`` and restore earlier layers.

    With ``your_package`` (the capstone), ``lending`` is the learner's own package in
    the workspace, made whole first (:func:`helpers.capstone.assemble`): only the layers
    it lacks, or that cannot be used, come from the reference.
    """
    if your_package:
        from helpers.capstone import assemble

        package = assemble()  # the workspace made whole first: every layer then imports
        restore(notebook_id, workspace=package.root)
        description = package.describe()
    else:
        description = restore(notebook_id).describe()
    shell = _shell()
    if shell is not None:
        _install(shell, notebook_id)
    print(f"Lending-library course, notebook {notebook_id}: ready.")
    print(description)


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _install(shell: Any, notebook_id: str) -> None:
    shell.set_custom_exc(
        (ExerciseFailure, NotImplementedError, NameError, AttributeError),
        lambda *args, **kwargs: _show_exercise_error(*args, notebook_id=notebook_id, **kwargs),
    )
    callbacks = shell.events.callbacks["post_run_cell"]
    for callback in [cb for cb in callbacks if getattr(cb, "__course_hook__", False)]:
        shell.events.unregister("post_run_cell", callback)
    hook = _make_hook()
    shell.events.register("post_run_cell", hook)


def exercise_message(value: BaseException) -> list[str]:
    """The lines shown for a failed check or an unsolved exercise."""
    if isinstance(value, ExerciseFailure):
        return value.lines()
    return list(UNSOLVED)


def unsolved_message(notebook_id: str, name: str) -> list[str] | None:
    """The lines for an exercise answer's name that is not defined yet, if ``name`` is one."""
    from helpers.catalogue import load_catalogue

    try:
        exercise = load_catalogue().notebook(notebook_id).defining(name)
    except KeyError:
        return None
    if exercise is None:
        return None
    return [
        f"{exercise.title} is not solved yet: `{name}` is not defined.",
        f"Write `{name}` in that exercise's solution cell (where it says `# YOUR CODE HERE`),",
        "run that cell (it must run without error), then run this cell again.",
    ]


def _show_exercise_error(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
    *,
    notebook_id: str = "",
) -> list[str]:
    lines: list[str] | None
    if isinstance(value, AttributeError):
        mistake = in_attribute_error(value)
        lines = (
            None if mistake is None else [f"Not yet: {mistake.got}", f"  hint:     {mistake.hint}"]
        )
        if lines is None:
            return _with_traceback(shell, etype, value, tb, tb_offset, [])
    elif isinstance(value, NameError):
        lines = unsolved_message(notebook_id, getattr(value, "name", None) or "")
        if lines is None:
            # Keep the traceback (the typo may sit deep in the learner's function), add a way out.
            return _with_traceback(shell, etype, value, tb, tb_offset, list(UNDEFINED))
    else:
        lines = exercise_message(value)
    stb = [f"{RED}{lines[0]}{RESET}", *lines[1:]]
    shell._showtraceback(etype, value, stb)
    return stb


def _with_traceback(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None,
    after: list[str],
) -> list[str]:
    """IPython's usual traceback, followed by ``after``."""
    stb = [*shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset), *after]
    shell._showtraceback(etype, value, stb)
    return stb


def _make_hook() -> Any:
    def after_cell(result: Any) -> None:
        source = getattr(result.info, "raw_cell", "") or ""
        succeeded = bool(result.success)
        _save_to_workspace(source, succeeded)
        _record_progress(source, succeeded)

    # A marker on the function (functions declare no such attribute).
    after_cell.__course_hook__ = True  # type: ignore[attr-defined]
    return after_cell


def _save_to_workspace(source: str, succeeded: bool) -> None:
    try:
        module = target_of(source)
        if module is None or not succeeded or not saving_enabled() or STUB in source:
            return
        Workspace(workspace_dir()).save(module, source)
    except WorkspaceError as exc:
        print(f"Not saved to your workspace: {exc}")
        return
    except OSError as exc:
        print(f"Not saved to your workspace ({type(exc).__name__}: {exc}).")
        return
    print(f"Saved to your package: {module}")


def _record_progress(source: str, succeeded: bool) -> None:
    if not saving_enabled():
        return
    from helpers.catalogue import load_catalogue
    from helpers.progress import ProgressStore, Status

    found = load_catalogue().find_by_source(source)
    if found is None:
        return
    entry, exercise = found
    store = ProgressStore()
    try:
        store.record(entry.id, exercise.grade_id, succeeded)
        results = store.load().get(entry.id, {})
    except OSError as exc:  # reading can fail as well as writing: never break the cell
        print(f"(Progress not recorded: {type(exc).__name__}: {exc})", file=sys.stdout)
        return
    if not succeeded:
        return
    passed = sum(results.get(e.grade_id) is Status.PASSED for e in entry.exercises)
    print(
        f"✓ Visible checks passed: {exercise.title}. "
        f"{entry.id}: {passed} of {len(entry.exercises)} exercises so far. "
        f"The grader also runs hidden tests before it awards this exercise's "
        f"{_points(exercise.points)}."
    )


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")
