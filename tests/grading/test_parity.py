"""On honest submissions the class grader records exactly what ``nbgrader autograde`` does.

Two copies of one course receive the same class; one is graded by nbgrader's
own command, the other by ``python -m coursetools.grading class`` (its default
pool, as on an instructor's machine). The gradebooks must hold the same
submissions, timestamps, scores, manual-grading flags, automatic comments and
late penalties, and ``autograded/`` the same files. The class: the demo
assignment (correct, untouched, partly wrong, with extra files and a
timestamp) and the course's ``00-orientation`` with its sample submissions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursetools import nbmeta
from coursetools.grading import course as courses
from coursetools.grading.cli import main
from coursetools.layout import NBGRADER_CONFIG, SOLUTIONS, tools_on_path
from coursetools.nbcourse import fill_in, replace_cells

from . import demo
from .support import gradebook_rows, make_course

ORIENTATION = "00-orientation"
SAMPLES = Path(__file__).parents[1] / "submissions" / ORIENTATION


def _orientation(root: Path) -> list[str]:
    """Add 00-orientation and its sample class to the course at ``root``."""
    from nbgrader.apps import NbGraderAPI

    from coursetools.grading.record import quiet_gradebook

    shutil.copytree(SOLUTIONS / ORIENTATION, root / "solutions" / ORIENTATION)
    coursedir, config = courses.load(root)
    config.Exchange.root = str(root / "exchange")
    with quiet_gradebook():
        assert NbGraderAPI(coursedir=coursedir, config=config).generate_assignment(
            ORIENTATION, force=True, create=True
        )["success"]
    release = nbmeta.read(root / "notebooks" / ORIENTATION / f"{ORIENTATION}.ipynb")
    solved = fill_in(release, nbmeta.read(SOLUTIONS / ORIENTATION / f"{ORIENTATION}.ipynb"))
    students = {"o-solution": solved, "o-untouched": release}
    for sample in sorted(SAMPLES.glob("*/wrong.py"))[:2]:
        students[f"o-wrong-{sample.parent.name}"] = replace_cells(
            solved, {sample.parent.name: sample.read_text()}
        )
    hardcoded = {p.parent.name: p.read_text() for p in SAMPLES.glob("*/hardcoded.py")}
    if hardcoded:
        students["o-hardcoded"] = replace_cells(solved, hardcoded)
    for student, nb in students.items():
        path = root / "submitted" / student / ORIENTATION / f"{ORIENTATION}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    return list(students)


def _files(root: Path, assignment: str) -> dict[str, list[tuple[str, int]]]:
    return {
        folder.parent.name: sorted((p.name, p.stat().st_mode & 0o777) for p in folder.iterdir())
        for folder in sorted(root.glob(f"autograded/*/{assignment}"))
    }


@pytest.fixture(scope="module")
def courses_graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    course = make_course(tmp_path_factory.mktemp("parity") / "nbgrader")
    course.submit("d-solution", course.solved)
    course.submit("d-untouched", course.release)
    course.answer("d-wrong", add="def add(a, b):\n    return a - b")
    course.answer("d-partial", year="def check_year(year):\n    return year", total="total = len")
    (course.folder("d-solution") / "timestamp.txt").write_text("2026-03-01 10:00:00.000000 UTC")
    (course.folder("d-wrong") / "notes.txt").write_text("my own file")
    orientation = _orientation(course.root) if (SOLUTIONS / ORIENTATION).is_dir() else []
    ours = course.root.parent / "ours"
    shutil.copytree(course.root, ours)
    shutil.copy(NBGRADER_CONFIG, ours / "nbgrader_config.py")
    tools_on_path()
    for assignment in [demo.ASSIGNMENT] + ([ORIENTATION] if orientation else []):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", assignment, "--create"],
            cwd=course.root,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        code = main(["class", assignment, "--course", str(ours), "--jobs", "2", "--quiet"])
        assert code == 0
    return course.root, ours, orientation


@pytest.mark.timeout(600)
@pytest.mark.parametrize("assignment", [demo.ASSIGNMENT, ORIENTATION])
def test_the_gradebooks_agree(
    courses_graded: tuple[Path, Path, list[str]], assignment: str
) -> None:
    theirs, ours, orientation = courses_graded
    if assignment == ORIENTATION and not orientation:
        pytest.skip("solutions/00-orientation is not in this checkout")
    expected = gradebook_rows(theirs, assignment)
    assert expected, "nbgrader graded nobody"
    assert gradebook_rows(ours, assignment) == expected


@pytest.mark.timeout(600)
@pytest.mark.parametrize("assignment", [demo.ASSIGNMENT, ORIENTATION])
def test_the_autograded_folders_agree(
    courses_graded: tuple[Path, Path, list[str]], assignment: str
) -> None:
    theirs, ours, orientation = courses_graded
    if assignment == ORIENTATION and not orientation:
        pytest.skip("solutions/00-orientation is not in this checkout")
    assert _files(ours, assignment) == _files(theirs, assignment)


@pytest.mark.timeout(600)
def test_the_sample_class_is_not_trivial(courses_graded: tuple[Path, Path, list[str]]) -> None:
    graded = gradebook_rows(courses_graded[1], demo.ASSIGNMENT)
    totals = {
        student: sum(g[0] or 0 for g in row["notebooks"][demo.ASSIGNMENT]["grades"].values())
        for student, row in graded.items()
    }
    assert totals == {"d-solution": 6.0, "d-untouched": 0.0, "d-wrong": 5.0, "d-partial": 3.0}
