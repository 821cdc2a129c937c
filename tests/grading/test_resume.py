"""Class grading survives being killed: no student is lost or graded twice.

The thread pool's run is killed at every stop point in turn and by Ctrl-C;
who counts as graded is checked on its own (``test_resume_pools.py``: the
other pools and a PostgreSQL gradebook).
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from coursetools.grading import course as courses
from coursetools.grading.ledger import FOLDER, Busy, Ledger, Why, exclusive
from coursetools.grading.record import Recorder

from . import demo
from .faults import (
    STUDENTS,
    Outcome,
    copy_course,
    graded_copy,
    interrupt,
    recording,
    resumed,
    run,
    submitted_class,
)
from .support import generate


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return submitted_class(tmp_path_factory.mktemp("resume"))


@pytest.fixture(scope="module")
def graded_once(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return graded_copy(template, tmp_path_factory.mktemp("uninterrupted"))


@pytest.fixture(scope="module")
def uninterrupted(graded_once: Path) -> Outcome:
    return Outcome.of(graded_once)


# The thread pool is killed at each point in turn, every run resuming the last:
# (point, whether the kill leaves a student half-recorded). "#2" is the second
# passage in that run; by then the first student is completely recorded.
THREAD_POINTS = [
    ("executed#2", False),  # one student recorded, the others' results in but not recorded
    ("begun#1", True),  # a submission row (uncommitted) and its files, no notebook
    ("saved#1", True),  # grades saved (uncommitted), no autograded notebook
    ("written#1", True),  # the autograded notebook too, nothing committed
    ("stored#1", True),  # the student's rows committed (issue 19's lost student), no ledger
    ("committed#1", False),  # one more complete
]


@pytest.mark.timeout(300)
def test_a_run_killed_at_every_point_in_turn_ends_as_an_uninterrupted_one(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    root = copy_course(template, tmp_path)
    for point, half_recorded in THREAD_POINTS:
        interrupt(root, point, signal.SIGKILL)
        assert recording(root) or not half_recorded, f"{point} left nobody half-recorded"
    left = recording(root)
    stdout = run(root)
    assert set(resumed(stdout)) == left, stdout
    assert Outcome.of(root) == uninterrupted


@pytest.mark.timeout(180)
def test_ctrl_c_while_recording_loses_nothing(
    template: Path, uninterrupted: Outcome, tmp_path: Path
) -> None:
    root = copy_course(template, tmp_path)
    interrupt(root, "saved#2", signal.SIGINT)
    assert "run the same command again" in (tmp_path / "interrupted.log").read_text()
    plan = run(root, "--dry-run")
    assert plan.count("would grade") == 2 and plan.count("would skip") == 1, plan
    assert Why.INTERRUPTED.value in plan and Why.NEW.value in plan
    assert Outcome.of(root) != uninterrupted  # a dry run grades no one
    assert len(resumed(run(root))) == 1
    assert Outcome.of(root) == uninterrupted
    assert run(root, "--dry-run").count("would skip") == len(STUDENTS)


# -- who counts as graded, decided without running anything ----------------------------------


@pytest.fixture
def graded(graded_once: Path, tmp_path: Path) -> Path:
    """A copy of the class after an uninterrupted run."""
    return copy_course(graded_once, tmp_path)


def _why(root: Path) -> dict[str, Why]:
    coursedir, config = courses.load(root)
    recorder = Recorder(coursedir, config, force=False)
    return recorder.statuses(list(STUDENTS), demo.ASSIGNMENT, [demo.ASSIGNMENT])


@pytest.mark.timeout(120)
def test_only_the_gradebook_and_the_ledger_together_mean_graded(graded: Path) -> None:
    assert set(_why(graded).values()) == {Why.GRADED}
    (graded / "submitted" / "bob" / demo.ASSIGNMENT / "timestamp.txt").write_text(
        "2026-03-02 10:00:00.000000 UTC"
    )
    (graded / "autograded" / "cy" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb").unlink()
    assert _why(graded) == {"ada": Why.GRADED, "bob": Why.RESUBMITTED, "cy": Why.AUTOGRADED}
    ledger = graded / FOLDER / f"{demo.ASSIGNMENT}.json"
    kept = ledger.read_bytes()
    ledger.unlink()  # as after `nbgrader autograde`, which keeps no ledger
    assert set(_why(graded).values()) == {Why.UNLEDGERED}
    ledger.write_bytes(kept)
    (graded / "gradebook.db").unlink()  # a gradebook that never saw these grades
    generate(graded)
    assert _why(graded) == {"ada": Why.GRADEBOOK, "bob": Why.RESUBMITTED, "cy": Why.GRADEBOOK}


@pytest.mark.timeout(120)
def test_a_recording_that_failed_is_graded_again(graded: Path) -> None:
    coursedir, config = courses.load(graded)
    Recorder(coursedir, config, force=False).abandon("bob", demo.ASSIGNMENT)
    assert _why(graded) == {"ada": Why.GRADED, "bob": Why.FAILED, "cy": Why.GRADED}
    assert not (graded / "autograded" / "bob" / demo.ASSIGNMENT).exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["{", '{"students": {"ada": {"state": "done"}}}', "[]"])
def test_a_damaged_ledger_is_a_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / FOLDER).mkdir()
    (tmp_path / FOLDER / f"{demo.ASSIGNMENT}.json").write_text(text)
    with pytest.raises(courses.CourseError, match="delete it to grade every student again"):
        Ledger(tmp_path, demo.ASSIGNMENT)


@pytest.mark.timeout(60)
def test_two_runs_never_grade_one_assignment_at_once(tmp_path: Path) -> None:
    with (
        exclusive(tmp_path, demo.ASSIGNMENT),
        pytest.raises(Busy, match="another run"),
        exclusive(tmp_path, demo.ASSIGNMENT),
    ):
        pass
    left = tmp_path / FOLDER / f".{demo.ASSIGNMENT}.abc.tmp"  # a run killed while saving
    left.write_text("{")
    with exclusive(tmp_path, demo.ASSIGNMENT):  # released when the run ends
        assert not left.exists()
