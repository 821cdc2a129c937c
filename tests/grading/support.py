"""Courses for the grading tests: the demo assignment, generated in-process by nbgrader.

``make_course`` writes a course folder (this repository's ``nbgrader_config.py``,
the demo source notebook) and runs nbgrader's ``generate_assignment`` through
its Python API, which is much faster than its command line. The hostile corpus
(``hostile/<case>/``) is loaded by :func:`load_case` and turned into a
submission by :func:`submission`.
"""

from __future__ import annotations

import copy
import re
import shutil
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.grading import course as courses
from coursetools.grading.feedback import Redactor
from coursetools.grading.grade import ClassReport, Options, grade_class
from coursetools.grading.limits import Limits
from coursetools.layout import NBGRADER_CONFIG, tools_on_path
from coursetools.nbcourse import fill_in, replace_cells

from . import demo

HOSTILE = Path(__file__).parent / "hostile"
TEST_LIMITS = Limits(cell_timeout=5.0, notebook_timeout=90.0, startup_timeout=60.0)


@dataclass
class Course:
    """A demo course folder: its root, release notebook and a fully solved copy."""

    root: Path
    release: NotebookNode
    source: NotebookNode
    solved: NotebookNode = field(init=False)

    @property
    def config(self) -> Any:
        return courses.load(self.root)[1]

    def __post_init__(self) -> None:
        self.solved = fill_in(self.release, self.source)

    def folder(self, student: str) -> Path:
        return self.root / "submitted" / student / demo.ASSIGNMENT

    def submit(self, student: str, content: NotebookNode | bytes) -> Path:
        path = self.folder(student) / f"{demo.ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else nbformat.writes(content).encode()
        path.write_bytes(data)
        return path

    def answer(self, student: str, **answers: str) -> Path:
        """Submit the solved notebook with some answers replaced (keys: grade ids)."""
        return self.submit(student, replace_cells(self.solved, dict(answers)))

    def grade(
        self, *, limits: Limits = TEST_LIMITS, workers: int = 2, **options: Any
    ) -> ClassReport:
        with ThreadPoolExecutor(workers) as pool:
            return grade_class(
                Options(
                    course=self.root,
                    assignment=demo.ASSIGNMENT,
                    limits=limits,
                    progress=False,
                    **options,
                ),
                pool,
            )

    def scores(self, student: str) -> dict[str, float]:
        from nbgrader.api import Gradebook

        from coursetools.grading.record import quiet_gradebook

        coursedir, _ = courses.load(self.root)
        with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            found = gb.find_submission_notebook(demo.ASSIGNMENT, demo.ASSIGNMENT, student)
            return {grade.name: float(grade.score) for grade in found.grades}

    def autograded(self, student: str) -> Path:
        return self.root / "autograded" / student / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"


def gradebook_rows(root: Path, assignment: str, db_url: str | None = None) -> dict[str, Any]:
    """Every row the gradebook holds for ``assignment``, by student, in comparable form."""
    from nbgrader.api import Gradebook

    from coursetools.grading.record import quiet_gradebook

    coursedir, _ = courses.load(root, db_url)
    found: dict[str, Any] = {}
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            notebooks = {}
            for nb in submission.notebooks:
                notebooks[nb.name] = {
                    "grades": {
                        g.name: (
                            g.auto_score,
                            g.manual_score,
                            g.extra_credit,
                            g.needs_manual_grade,
                            g.max_score,
                        )
                        for g in nb.grades
                    },
                    "comments": {c.name: c.auto_comment for c in nb.comments},
                    "late_penalty": nb.late_submission_penalty,
                }
            found[submission.student_id] = {
                "timestamp": submission.timestamp,
                "notebooks": notebooks,
            }
    return found


def make_course(root: Path) -> Course:
    """A course folder with the demo assignment generated (gradebook included)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(NBGRADER_CONFIG, root / "nbgrader_config.py")
    demo.write_source(root)
    generate(root)
    release = nbmeta.read(root / "notebooks" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb")
    source = nbmeta.read(root / "solutions" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb")
    return Course(root, release, source)


def generate(root: Path, db_url: str | None = None) -> None:
    """``nbgrader generate_assignment`` of the demo, into the course's gradebook or ``db_url``."""
    from nbgrader.apps import NbGraderAPI

    from coursetools.grading.record import quiet_gradebook

    tools_on_path()  # nbgrader runs `alembic` by name when it creates a gradebook
    coursedir, config = courses.load(root, db_url)
    config.Exchange.root = str(root / "exchange")
    with quiet_gradebook():
        result = NbGraderAPI(coursedir=coursedir, config=config).generate_assignment(
            demo.ASSIGNMENT, force=True, create=True
        )
    assert result["success"], result.get("log", "") + result.get("error", "")


# -- the hostile corpus --------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One named hostile submission: what it does and the scores it deserves."""

    name: str
    folder: Path
    spec: dict[str, Any]

    @property
    def expected(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.spec["expected"].items()}

    def expected_in(self, mode: str) -> dict[str, float]:
        override = self.spec.get(f"expected_{mode.replace('-', '_')}", {})
        return {**self.expected, **{k: float(v) for k, v in override.items()}}

    @property
    def checks(self) -> dict[str, Any]:
        return dict(self.spec.get("checks", {}))


def cases() -> list[Case]:
    return [load_case(path) for path in sorted(HOSTILE.iterdir()) if (path / "case.toml").is_file()]


def load_case(folder: Path) -> Case:
    with (folder / "case.toml").open("rb") as handle:
        return Case(folder.name, folder, tomllib.load(handle))


def _find(nb: NotebookNode, grade_id: str) -> int:
    for index, cell in enumerate(nb.cells):
        if nbmeta.grade_id(cell) == grade_id:
            return index
    raise KeyError(grade_id)


def _edit(nb: NotebookNode, edit: dict[str, Any]) -> None:
    op, index = edit["op"], _find(nb, edit["grade_id"])
    cell = nb.cells[index]
    if op == "delete":
        del nb.cells[index]
    elif op == "duplicate":
        clone = copy.deepcopy(cell)
        clone["id"] = f"{cell.get('id', 'cell')}-copy"
        if "source" in edit:
            clone.source = edit["source"]
        nb.cells.insert(index if edit.get("before", True) else index + 1, clone)
    elif op == "set_source":
        cell.source = edit["source"]
    elif op == "set_type":
        if edit["cell_type"] == "markdown":
            nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
        else:
            nb.cells[index] = nbformat.v4.new_raw_cell(cell.source, metadata=cell.metadata)
    elif op == "set_meta":
        cell.metadata.nbgrader[edit["key"]] = edit["value"]
    elif op == "rename":
        cell.metadata.nbgrader["grade_id"] = edit["to"]
    else:
        raise ValueError(f"unknown edit {op!r}")


def submission(case: Case, course: Course) -> bytes:
    """The bytes a student following ``case`` would submit."""
    if "raw" in case.spec:
        return str(case.spec["raw"]).encode()
    answers = {
        path.stem: path.read_text(encoding="utf-8").replace("{course}", str(course.root))
        for path in sorted((case.folder / "answers").glob("*.py"))
    }
    nb = replace_cells(course.solved, answers)
    for edit in case.spec.get("edits", []):
        _edit(nb, edit)
    text: str = nbformat.writes(nb)
    return text.encode()


def shows_hidden_line(redactor: Redactor, line: str, page: str) -> bool:
    """Whether hidden-only ``line`` is a row of ``page`` (a traceback's, decoration aside, or
    a piece of a repr's), or, being distinctive, anywhere in it: the test of redaction."""
    plain = Redactor.plain(page)
    for piece in re.split(r"\n|\\\\n", plain):
        bare = re.sub(r"^\s*(?:-+>|>)?\s*(?:\d+\s)?", "", piece).strip()
        if line in (bare, bare.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")):
            return True
    return redactor.distinctive(line) and line in plain
