"""Grade a whole class: the three phases, in parallel, with a progress bar.

Phases 1 (rebuild) and 3 (record) run in this process, serially; phase 2
(execute) runs on an executor. A student is recorded as soon as all their
notebooks have run, so the gradebook fills while the class is still running.
Who needs grading is decided first, from the ledger and the gradebook: a run
killed at any point is finished by running it again.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import Executor, Future, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbformat import NotebookNode
from tqdm import tqdm

from coursetools.grading import course as courses
from coursetools.grading import rebuild, scoring
from coursetools.grading.execute import execute_job
from coursetools.grading.jobs import ExecJob, ExecResult
from coursetools.grading.ledger import Why, exclusive
from coursetools.grading.limits import Limits
from coursetools.grading.order import slow_first
from coursetools.grading.record import (
    GRADEBOOK,
    Recorder,
    one_engine_per_database,
    quiet_gradebook,
    schemas_checked_once,
)
from coursetools.grading.screen import imported_names, parse
from coursetools.grading.stops import stop


@dataclass(frozen=True)
class Options:
    """How to grade (the command line's options)."""

    course: Path
    assignment: str
    db_url: str | None = None
    students: tuple[str, ...] = ()
    force: bool = False
    limits: Limits = field(default_factory=Limits)
    stderr_fails: bool = False
    use_screen: bool = True
    preload: tuple[str, ...] = ()
    progress: bool = True
    dry_run: bool = False  # only decide who would be graded, and why


@dataclass
class NotebookReport:
    """One student's notebook: the recorded score and everything worth a look."""

    student: str
    notebook: str
    score: float | None = None
    max_score: float = 0.0
    failed: dict[str, list[str]] = field(default_factory=dict)  # grade_id -> reasons
    not_run: dict[str, str] = field(default_factory=dict)  # answer grade_id -> reason
    flagged: dict[str, list[str]] = field(default_factory=dict)  # answer grade_id -> for review
    error: str | None = None  # not graded at all (the grading machine failed)
    seconds: float = 0.0
    runs: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds of grading, by phase
    started: float = 0.0  # seconds after the class run began that its execution began


@dataclass
class ClassReport:
    """A class run: every notebook, who was skipped, what failed, the isolation used."""

    assignment: str
    notebooks: list[NotebookReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already graded (no --force)
    why: dict[str, Why] = field(default_factory=dict)  # each student graded: the reason
    errors: list[str] = field(default_factory=list)  # students not graded
    mechanisms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    setup_seconds: float = 0.0  # before the first notebook was handed to a worker

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, default=lambda why: why.name.lower())

    @property
    def resumed(self) -> list[str]:
        """Students an earlier run left half-recorded (graded again by this one)."""
        return [student for student, why in self.why.items() if why.resumed]


def preload_modules(generated: dict[str, NotebookNode]) -> tuple[str, ...]:
    """Modules the source notebooks import (kernels import them before forking).

    Solution cells count with their stubs: only imports outside the solution
    region, which every student received.
    """
    modules: set[str] = set()
    for nb in generated.values():
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = parse(cell.source)
            except (SyntaxError, ValueError):
                continue
            for dotted in imported_names(tree).values():
                modules.add(dotted.rsplit(".", 1)[0] if "." in dotted else dotted)
    return tuple(sorted(m for m in modules if m and not m.startswith(".")))


def check_source(name: str, nb: NotebookNode, points: dict[str, float]) -> None:
    """The source's graded cells must be the gradebook's (same ids and points)."""
    from nbgrader import utils

    found = {
        cell.metadata.nbgrader["grade_id"]: float(cell.metadata.nbgrader.get("points", 0))
        for cell in nb.cells
        if utils.is_grade(cell)
    }
    if found != points:
        raise courses.CourseError(
            f"{name}: the source's graded cells {found} differ from the gradebook's {points}; "
            "run `nbgrader generate_assignment --force` after changing a source notebook"
        )


class _ClassRun:
    """The state of one ``grade_class`` call."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.coursedir, config = courses.load(options.course, options.db_url)
        self.coursedir.assignment_id = options.assignment
        self.assignment = courses.assignment(self.coursedir, options.assignment)
        self.source_folder = courses.source_folder(self.coursedir, options.assignment)
        self.generated: dict[str, NotebookNode] = {}
        self.names: dict[str, rebuild.Names] = {}
        for name in self.assignment.notebooks:
            nb = rebuild.generate(self.source_folder / f"{name}.ipynb", config)
            check_source(name, nb, self.assignment.points[name])
            self.generated[name] = nb
            self.names[name] = rebuild.trusted_names(nb)
        self.preload = tuple(dict.fromkeys((*preload_modules(self.generated), *options.preload)))
        self.recorder = Recorder(self.coursedir, config, force=options.force)
        self.report = ClassReport(options.assignment)
        self.began = time.time()
        self.rebuilt: dict[tuple[str, str], rebuild.Rebuilt] = {}
        self.results: dict[tuple[str, str], ExecResult | None] = {}
        self.rebuild_seconds: dict[tuple[str, str], float] = {}

    def prepare(self, student: str) -> list[ExecJob]:
        """Phase 1 for one student: rebuild each notebook; the jobs to execute."""
        options, name_of = self.options, self.options.assignment
        files = {
            name: path.read_bytes()
            for name, path in self.recorder.work_files(student, name_of, self.source_folder).items()
        }
        folder = self.recorder.submitted(student, name_of)
        jobs = []
        for name in self.assignment.notebooks:
            path = folder / f"{name}.ipynb"
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
            if data is not None:
                files[f"{name}.ipynb"] = data
            began = time.monotonic()
            built = rebuild.rebuild(
                self.generated[name], data, use_screen=options.use_screen, names=self.names[name]
            )
            self.rebuilt[student, name] = built
            self.rebuild_seconds[student, name] = time.monotonic() - began
            if built.unreadable is not None:
                self.results[student, name] = None
                continue
            jobs.append(
                ExecJob(
                    key=f"{student}/{name_of}/{name}",
                    cells=built.plan,
                    files=files,
                    folder=name_of,
                    limits=options.limits,
                    forbidden=courses.data_folders(self.coursedir),
                    preload=self.preload,
                )
            )
        return jobs

    def complete(self, student: str) -> bool:
        return all((student, name) in self.results for name in self.assignment.notebooks)

    def record(self, student: str) -> None:
        """Phase 3 for one student, once every notebook has a result."""
        names = self.assignment.notebooks
        failures = [
            f"{name}: {result.error}"
            for name in names
            if (result := self.results[student, name]) is not None and result.error
        ]
        if failures:
            self.report.errors.append(f"{student}: " + "; ".join(failures))
            self.report.notebooks += [
                NotebookReport(student, name, error="; ".join(failures)) for name in names
            ]
            return
        name_of = self.options.assignment
        lines: list[NotebookReport] = []
        self.recorder.seconds.clear()
        try:
            with self.recorder.transaction():
                self.recorder.begin(student, name_of, self.source_folder, list(names))
                stop("begun")
                for name in names:
                    built, result = self.rebuilt[student, name], self.results[student, name]
                    with self.recorder.timed("scoring"):
                        judged = scoring.judge(
                            scoring.merge(built, result),
                            built,
                            result,
                            stderr_fails=self.options.stderr_fails,
                            unrun=built.unreadable,
                        )
                    self.recorder.record(student, name_of, name, judged, built.flagged())
                    lines.append(self._line(student, name, judged))
            stop("stored")
            self.recorder.finish(student, name_of, list(names))
        except Exception as exc:
            self.recorder.abandon(student, name_of)
            self.report.errors.append(f"{student}: recording failed: {type(exc).__name__}: {exc}")
            self.report.notebooks += lines
            return
        for line in lines:  # a student is recorded at once: each notebook gets its share
            for part, seconds in self.recorder.seconds.items():
                line.phases[part] = seconds / len(lines)
        self.report.notebooks += lines

    def _line(self, student: str, name: str, judged: scoring.Judged) -> NotebookReport:
        from nbgrader.api import Gradebook

        built, result = self.rebuilt[student, name], self.results[student, name]
        with (
            self.recorder.timed(GRADEBOOK),
            quiet_gradebook(),
            Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb,
        ):
            submitted = gb.find_submission_notebook(name, self.options.assignment, student)
            score, max_score = float(submitted.score), float(submitted.max_score)
        labels = {plan.index: plan.label for plan in built.plan}
        not_run = {labels.get(i, str(i)): why for i, why in built.not_run.items()}
        if result is not None:
            not_run.update({labels.get(i, str(i)): why for i, why in result.skipped.items()})
        if built.unreadable:
            not_run["notebook"] = built.unreadable
        return NotebookReport(
            student,
            name,
            score=score,
            max_score=max_score,
            failed=judged.reasons,
            not_run=not_run,
            flagged=built.flagged(),
            seconds=result.seconds if result else 0.0,
            runs=result.runs if result else 0,
            started=result.started - self.began if result else 0.0,
            phases={
                "rebuild": self.rebuild_seconds.get((student, name), 0.0) - built.screen_seconds,
                "screen": built.screen_seconds,
                **(result.phases if result else {}),
            },
        )


def grade_class(options: Options, pool: Executor) -> ClassReport:
    """Grade every submission of ``options.assignment``; see the module docstring."""
    with one_engine_per_database(), schemas_checked_once():
        began = time.monotonic()
        run = _ClassRun(options)  # only reads: a folder that is no course is left as it was
        with exclusive(options.course.resolve(), options.assignment):
            return _grade_class(run, pool, began)


def _grade_class(run: _ClassRun, pool: Executor, began: float) -> ClassReport:
    options = run.options
    futures: dict[Future[ExecResult], tuple[str, str]] = {}
    found = courses.students(run.coursedir, options.assignment, list(options.students))
    why = run.recorder.statuses(found, options.assignment, list(run.assignment.notebooks))
    run.report.skipped = [student for student in found if not why[student].grade]
    run.report.why = {student: why[student] for student in found if why[student].grade}
    students = [] if options.dry_run else list(run.report.why)
    run.report.setup_seconds = time.monotonic() - began
    prepared = [(student, job) for student in students for job in run.prepare(student)]
    of = {job.key: student for student, job in prepared}
    for job in slow_first([job for _, job in prepared]):
        futures[pool.submit(execute_job, job)] = (of[job.key], job.key.rsplit("/", 1)[1])
    total = len(students) * len(run.assignment.notebooks)
    with tqdm(total=total, unit="notebook", disable=not options.progress, file=sys.stderr) as bar:
        bar.update(len(run.results))  # unreadable submissions: nothing to run
        for student in students:
            if run.complete(student):
                run.record(student)
        for future in as_completed(futures):
            student, name = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a failure of the grading machine, not the student's
                result = ExecResult(key=name, error=f"{type(exc).__name__}: {exc}")
            run.results[student, name] = result
            stop("executed")
            if result.mechanisms:
                run.report.mechanisms, run.report.warnings = result.mechanisms, result.warnings
            bar.update(1)
            bar.set_postfix_str(student, refresh=False)
            if run.complete(student):
                run.record(student)
    run.report.seconds = time.monotonic() - began
    return run.report
