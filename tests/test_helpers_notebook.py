"""helpers.notebook: the setup cell's hooks, driven through a real IPython shell (no kernel)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

import helpers
import helpers.catalogue
import helpers.notebook
from helpers.catalogue import Catalogue
from helpers.checkpoint import layers_for
from helpers.checks import ExerciseFailure
from helpers.notebook import (
    RED,
    RESET,
    UNDEFINED,
    UNSOLVED,
    exercise_message,
    start,
    unsolved_message,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SOLUTION = "def double(x):\n    return x * 2\n"
WRONG = "def double(x):\n    return x * 2 + 1\n"
TEST_CELL = (
    "# Exercise 1: double\n"
    "from helpers.checks import expect_equal\n"
    "\n"
    "expect_equal(double(2), 4, what='double(2)', hint='Multiply by two.')\n"
)
OTHER_TEST_CELL = (
    "# Exercise 2: halve\n"
    "from helpers.checks import expect_equal\n"
    "\n"
    "expect_equal(halve(4), 2, what='halve(4)')\n"
)
SHELF = "# workspace: lending/shelf.py\nclass Shelf:\n    size = 3\n"


def course_hooks(shell: InteractiveShell) -> list[Callable[..., Any]]:
    return [
        cb for cb in shell.events.callbacks["post_run_cell"] if getattr(cb, "__course_hook__", 0)
    ]


def plain(text: str) -> str:
    return ANSI.sub("", text)


@pytest.fixture
def catalogue(catalogue_factory: Callable[..., Catalogue]) -> Catalogue:
    return catalogue_factory(
        ("00-orientation", "Orientation", []),
        (
            "01-schemas",
            "Schemas",
            [
                ("double-tests", "Exercise 1: double", 2, TEST_CELL, ("double",)),
                ("halve-tests", "Exercise 2: halve", 3, OTHER_TEST_CELL),
            ],
        ),
    )


@pytest.fixture
def shown(course: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every structured traceback the shell displays (and still prints it)."""
    calls: list[list[str]] = []
    original = course._showtraceback

    def record(etype: type, value: BaseException, stb: list[str]) -> None:
        calls.append(list(stb))
        original(etype, value, stb)

    monkeypatch.setattr(course, "_showtraceback", record)
    return calls


@pytest.fixture
def course(
    shell: InteractiveShell,
    workspace: Path,
    catalogue: Catalogue,
    monkeypatch: pytest.MonkeyPatch,
    clean_lending: None,
) -> Iterator[InteractiveShell]:
    """The shell with ``start("00-orientation")`` run, a private workspace and catalogue."""
    monkeypatch.setattr(helpers.catalogue, "load_catalogue", lambda: catalogue)
    names = set(shell.user_ns)
    try:
        yield shell
    finally:
        shell.set_custom_exc((), None)
        for hook in course_hooks(shell):
            shell.events.unregister("post_run_cell", hook)
        for name in set(shell.user_ns) - names:  # cheaper than shell.reset()
            del shell.user_ns[name]


def run(shell: InteractiveShell, source: str) -> ExecutionResult:
    result: ExecutionResult = shell.run_cell(source, store_history=False)
    return result


@pytest.fixture
def started(course: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> InteractiveShell:
    start("01-schemas")
    capsys.readouterr()
    return course


# --- start ---------------------------------------------------------------------------------------


def test_start_installs_the_hooks_and_says_so(
    course: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    start("00-orientation")

    assert capsys.readouterr().out == (
        "Lending-library course, notebook 00-orientation: ready.\n"
        "Nothing to restore: this notebook starts from scratch.\n"
    )
    assert ExerciseFailure in course.custom_exceptions
    assert NotImplementedError in course.custom_exceptions
    assert len(course_hooks(course)) == 1
    assert sys.modules["lending"].__checkpoint__ == "00-orientation"


def test_helpers_start_is_the_same_start(
    course: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    helpers.start("01-schemas")
    assert "notebook 01-schemas: ready." in capsys.readouterr().out
    assert len(course_hooks(course)) == 1


def test_running_start_again_does_not_stack_hooks(
    course: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    def someone_elses(result: ExecutionResult) -> None:
        pass

    course.events.register("post_run_cell", someone_elses)
    try:
        start("00-orientation")
        first = course_hooks(course)
        start("00-orientation")
        start("01-schemas")
        hooks = course_hooks(course)
        assert len(hooks) == 1
        assert hooks[0] is not first[0]
        assert someone_elses in course.events.callbacks["post_run_cell"]

        run(course, SOLUTION)
        run(course, TEST_CELL)
        assert (
            capsys.readouterr().out.count("✓ Visible checks passed") == 1
        )  # one hook, one message
    finally:
        course.events.unregister("post_run_cell", someone_elses)


def test_start_without_ipython_only_restores(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], clean_lending: None
) -> None:
    monkeypatch.setattr(helpers.notebook, "_shell", lambda: None)
    start("00-orientation")
    assert "ready." in capsys.readouterr().out
    assert "lending" in sys.modules


def test_start_with_your_package_uses_the_workspace(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_lending: None,
    tmp_path: Path,
) -> None:
    package = tmp_path / "lending"
    package.mkdir()
    (package / "__init__.py").write_text("", "utf-8")
    (package / "clock.py").write_text("MINE = True\n", "utf-8")
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path))
    monkeypatch.setattr(helpers.notebook, "_shell", lambda: None)

    start("02-models", your_package=True)

    assert sys.modules["lending.clock"].MINE is True
    reference = layers_for("02-models")["schemas"].path  # the version before notebook 02
    assert Path(sys.modules["lending.schemas"].__file__ or "") == reference
    out = capsys.readouterr().out
    assert "From your package: lending.clock" in out
    assert "01-schemas: lending.schemas" in out


def test_start_rejects_a_malformed_id(course: InteractiveShell) -> None:
    with pytest.raises(ValueError, match="notebook ids look like"):
        start("orientation")
    assert course_hooks(course) == []


# --- how failures are shown ----------------------------------------------------------------------


def test_an_exercise_failure_shows_its_message_without_a_traceback(
    started: InteractiveShell, shown: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    run(started, WRONG)
    result = run(started, TEST_CELL)

    assert result.success is False
    assert isinstance(result.error_in_exec, ExerciseFailure)
    assert shown == [
        [
            f"{RED}Not yet: double(2){RESET}",
            "  expected: 4",
            "  got:      5",
            "  hint:     Multiply by two.",
        ]
    ]
    out = plain(capsys.readouterr().out)
    assert "Not yet: double(2)\n  expected: 4\n  got:      5\n  hint:     Multiply by two." in out
    assert "Traceback" not in out
    assert "expect_equal" not in out  # no source lines of the test cell
    assert "ExerciseFailure" not in out


def test_an_unsolved_exercise_says_so_in_words(
    started: InteractiveShell, shown: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(started, "# YOUR CODE HERE\nraise NotImplementedError()")

    assert result.success is False
    assert isinstance(result.error_in_exec, NotImplementedError)
    assert shown == [[f"{RED}{UNSOLVED[0]}{RESET}", *UNSOLVED[1:]]]
    out = plain(capsys.readouterr().out)
    assert "\n".join(UNSOLVED) in out
    assert "Traceback" not in out


def test_an_unsolved_helper_called_from_a_test_cell_is_unsolved_too(
    started: InteractiveShell, shown: list[list[str]]
) -> None:
    run(started, "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()")
    result = run(started, TEST_CELL)
    assert result.success is False
    assert shown[-1][1:] == list(UNSOLVED[1:])


def test_a_test_cell_before_its_answer_says_not_solved_yet_without_a_traceback(
    started: InteractiveShell, shown: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(started, TEST_CELL)  # `double` is what exercise 1's answer defines

    assert result.success is False
    assert isinstance(result.error_in_exec, NameError)
    lines = unsolved_message("01-schemas", "double")
    assert lines is not None
    assert shown[-1] == [f"{RED}{lines[0]}{RESET}", *lines[1:]]
    out = plain(capsys.readouterr().out)
    assert "Exercise 1: double is not solved yet: `double` is not defined." in out
    assert "# YOUR CODE HERE" in out
    assert "Traceback" not in out and "NameError" not in out and "Cell In" not in out


def test_an_answer_name_of_another_notebook_is_an_ordinary_undefined_name(
    course: InteractiveShell, shown: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    start("00-orientation")  # `double` belongs to 01-schemas
    run(course, TEST_CELL)
    assert shown[-1][-len(UNDEFINED) :] == list(UNDEFINED)
    assert unsolved_message("00-orientation", "double") is None
    assert unsolved_message("99-unknown", "double") is None


def test_an_undefined_name_keeps_its_traceback_and_gains_a_way_out(
    started: InteractiveShell, shown: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(started, "print(halve(4))")

    assert result.success is False
    assert isinstance(result.error_in_exec, NameError)
    assert shown[-1][-len(UNDEFINED) :] == list(UNDEFINED)
    out = plain(capsys.readouterr().out)
    assert "NameError" in out and "halve" in out
    assert "Run > Run All Above" in out


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("def find():\n    pass\nfind().title", "None, where an object with `.title`"),
        (
            "async def find():\n    return 1\nfind().title",
            "a coroutine of `find()` that was never awaited",
        ),
    ],
)
def test_an_attribute_read_from_a_mistake_names_the_mistake(
    started: InteractiveShell, capsys: pytest.CaptureFixture[str], source: str, words: str
) -> None:
    result = run(started, source)
    assert isinstance(result.error_in_exec, AttributeError)
    out = plain(capsys.readouterr().out)
    assert f"Not yet: {words}" in out and "hint:" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("1 / 0", ZeroDivisionError),
        ("assert 1 == 2, 'plain assert'", AssertionError),
        ("'text'.title_case()", AttributeError),
    ],
)
def test_other_errors_keep_the_usual_traceback(
    started: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
    source: str,
    error: type[BaseException],
) -> None:
    result = run(started, source)
    assert result.success is False
    assert type(result.error_in_exec) is error
    out = plain(capsys.readouterr().out)
    assert "Traceback (most recent call last)" in out
    assert error.__name__ in out
    assert "Not yet" not in out


def test_exercise_message() -> None:
    assert exercise_message(ExerciseFailure("x", got=1)) == ["Not yet: x", "  got:      1"]
    assert exercise_message(NotImplementedError()) == list(UNSOLVED)


def test_without_start_failures_have_a_traceback_and_nothing_is_recorded(
    course: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(course, SHELF)
    run(course, WRONG)
    run(course, TEST_CELL)
    out = plain(capsys.readouterr().out)
    assert "Traceback" in out and "ExerciseFailure" in out
    assert not workspace.exists()


# --- workspace cells -----------------------------------------------------------------------------


def test_a_workspace_cell_that_runs_is_saved(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(started, SHELF)

    assert result.success is True
    assert capsys.readouterr().out == "Saved to your package: lending/shelf.py\n"
    text = (workspace / "lending" / "shelf.py").read_text("utf-8")
    assert "class Shelf:\n    size = 3\n" in text
    assert (workspace / "lending" / "__init__.py").is_file()


def test_rerunning_a_workspace_cell_keeps_the_latest_version(
    started: InteractiveShell, workspace: Path
) -> None:
    run(started, SHELF)
    run(started, SHELF.replace("size = 3", "size = 5"))
    text = (workspace / "lending" / "shelf.py").read_text("utf-8")
    assert "size = 5" in text and "size = 3" not in text


def test_a_workspace_cell_that_fails_is_not_saved(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(started, SHELF + "Shelf.size / 0\n")
    assert result.success is False
    assert "Saved to your package" not in capsys.readouterr().out
    assert not workspace.exists()


def test_a_failing_cell_does_not_replace_the_saved_version(
    started: InteractiveShell, workspace: Path
) -> None:
    run(started, SHELF)
    run(started, SHELF.replace("size = 3", "size = 1 / 0"))
    assert "size = 3" in (workspace / "lending" / "shelf.py").read_text("utf-8")


@pytest.mark.parametrize(
    "source",
    [
        "# workspace: lending/shelf.py\n# YOUR CODE HERE\nraise NotImplementedError()",
        # runs without error, yet is still the unsolved stub
        "# workspace: lending/shelf.py\ndef shelve(book):\n"
        "    # YOUR CODE HERE\n    raise NotImplementedError()",
    ],
)
def test_an_unsolved_workspace_cell_is_not_saved(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    run(started, source)
    assert "Saved to your package" not in capsys.readouterr().out
    assert not workspace.exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# workspace: ../evil.py\nX = 1", "must name a module file inside the package"),
        ("# workspace: lending/shelf.py\nprint('hello')", "must define something at top level"),
    ],
)
def test_an_unusable_workspace_cell_is_explained_not_saved(
    started: InteractiveShell,
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    result = run(started, source)
    out = capsys.readouterr().out
    assert result.success is True  # the cell itself ran
    assert out.splitlines()[-1].startswith("Not saved to your workspace: ")
    assert message in out
    assert "Error in callback" not in out
    assert not workspace.exists()
    assert not (workspace.parent / "evil.py").exists()


def test_an_unwritable_workspace_is_reported_not_raised(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.parent.mkdir(parents=True, exist_ok=True)
    workspace.write_text("a file where the workspace folder should be", "utf-8")
    run(started, SHELF)
    out = capsys.readouterr().out
    assert "Not saved to your workspace (" in out
    assert "Error in callback" not in out


# --- progress ------------------------------------------------------------------------------------


def progress(workspace: Path) -> dict[str, dict[str, str]]:
    text = (workspace / "progress.json").read_text("utf-8")
    recorded: dict[str, dict[str, str]] = json.loads(text)
    return recorded


def test_a_passing_test_cell_is_recorded_and_announced(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(started, SOLUTION)
    result = run(started, TEST_CELL)

    assert result.success is True
    assert progress(workspace) == {"01-schemas": {"double-tests": "passed"}}
    assert capsys.readouterr().out == (
        "✓ Visible checks passed: Exercise 1: double. 01-schemas: 1 of 2 exercises so far. "
        "The grader also runs hidden tests before it awards this exercise's 2 points.\n"
    )


def test_the_announcement_counts_earlier_passes(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(started, SOLUTION + "def halve(x):\n    return x // 2\n")
    run(started, TEST_CELL)
    run(started, OTHER_TEST_CELL)
    assert capsys.readouterr().out.splitlines()[-1] == (
        "✓ Visible checks passed: Exercise 2: halve. 01-schemas: 2 of 2 exercises so far. "
        "The grader also runs hidden tests before it awards this exercise's 3 points."
    )
    assert progress(workspace) == {
        "01-schemas": {"double-tests": "passed", "halve-tests": "passed"}
    }


def test_a_failing_test_cell_is_recorded_as_failed(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(started, SOLUTION)
    run(started, TEST_CELL)
    run(started, WRONG)
    result = run(started, TEST_CELL)

    assert result.success is False
    assert progress(workspace) == {"01-schemas": {"double-tests": "failed"}}
    assert capsys.readouterr().out.count("✓") == 1  # only the first, passing run


def test_the_test_cell_is_recognised_despite_surrounding_whitespace(
    started: InteractiveShell, workspace: Path
) -> None:
    run(started, SOLUTION)
    run(started, "\n\n" + TEST_CELL + "\n\n")
    assert progress(workspace) == {"01-schemas": {"double-tests": "passed"}}


def test_an_edited_test_cell_is_not_recorded(started: InteractiveShell, workspace: Path) -> None:
    run(started, SOLUTION)
    run(started, TEST_CELL.replace("Multiply", "multiply"))
    run(started, "x = 1")
    assert not (workspace / "progress.json").exists()


def test_an_unreadable_progress_file_does_not_break_the_cell(
    started: InteractiveShell, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "progress.json").mkdir(parents=True)  # reading it raises IsADirectoryError
    run(started, SOLUTION)
    result = run(started, TEST_CELL)
    out = capsys.readouterr().out
    assert result.success is True
    assert "(Progress not recorded: IsADirectoryError" in out
    assert "Error in callback" not in out


# --- under nbgrader ------------------------------------------------------------------------------


def test_nothing_is_written_under_nbgrader(
    started: InteractiveShell,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    shown: list[list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    run(started, SHELF)
    run(started, SOLUTION)
    passed = run(started, TEST_CELL)
    run(started, WRONG)
    failed = run(started, TEST_CELL)

    assert passed.success is True and failed.success is False
    assert not workspace.exists()
    out = capsys.readouterr().out
    assert "Saved to your package" not in out and "✓" not in out
    assert shown[-1][0] == f"{RED}Not yet: double(2){RESET}"  # still readable when graded
