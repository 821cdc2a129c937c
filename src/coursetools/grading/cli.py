"""``python -m coursetools.grading``: grade a class, one notebook, or make feedback.

class ASSIGNMENT...   grade every submission (submitted/<student>/ASSIGNMENT/)
notebook FILE         grade one notebook against --source; print JSON
feedback ASSIGNMENT   HTML feedback without hidden tests (--show-hidden-tests)
report ASSIGNMENT     one HTML page: the class at a glance, for the instructor
sample-class FOLDER   a course folder with a synthetic class submitted, to try it all
probe                 which isolation mechanisms work on this machine
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from coursetools.grading.limits import Limits, MiB

if TYPE_CHECKING:
    from coursetools.grading.grade import ClassReport


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        cell_timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        memory_bytes=args.memory * MiB,
        cell_output_bytes=args.cell_output * 1024,
        notebook_output_bytes=args.notebook_output * 1024,
    )


def _execution_options(parser: argparse.ArgumentParser, default_timeout: float) -> None:
    group = parser.add_argument_group("execution")
    group.add_argument(
        "--timeout", type=float, default=default_timeout, help="seconds per cell (%(default)s)"
    )
    group.add_argument(
        "--notebook-timeout", type=float, default=600.0, help="seconds per notebook (%(default)s)"
    )
    group.add_argument("--memory", type=int, default=4096, help="MiB per process (%(default)s)")
    group.add_argument("--cell-output", type=int, default=256, help="KiB kept per cell")
    group.add_argument("--notebook-output", type=int, default=4096, help="KiB kept per notebook")
    group.add_argument(
        "--stderr-fails",
        action="store_true",
        help="nbgrader's rule: a test cell writing to stderr scores 0 (default: only errors do)",
    )
    group.add_argument(
        "--no-screen", action="store_true", help="run answers the static screen would refuse"
    )


def _class(args: argparse.Namespace) -> int:
    from coursetools.grading.pool import executor, warm_up_soon

    if not (args.dry_run or args.dask or args.processes):
        warm_up_soon()  # while the grading code and nbgrader are imported
    from coursetools.grading import course as courses
    from coursetools.grading.grade import Options, grade_class

    root = args.course.resolve()
    _, config = courses.load(root, args.db)
    if args.timeout is None:
        args.timeout = float(config.Execute.get("timeout", 120))
    reports = []
    pools = (
        ThreadPoolExecutor(1)  # never used: a dry run starts no worker
        if args.dry_run
        else executor(args.jobs, args.dask, processes=args.processes)
    )
    try:
        with pools as pool:
            for assignment in args.assignment:
                options = Options(
                    course=root,
                    assignment=assignment,
                    db_url=args.db,
                    students=tuple(args.student or ()),
                    force=args.force,
                    limits=_limits(args),
                    stderr_fails=args.stderr_fails,
                    use_screen=not args.no_screen,
                    preload=tuple(filter(None, (args.preload or "").split(","))),
                    progress=not args.quiet and not args.dry_run,
                    dry_run=args.dry_run,
                )
                reports.append(grade_class(options, pool))
                (_print_plan if args.dry_run else _print_report)(reports[-1])
    except courses.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to grade the rest", file=sys.stderr)
        return 130
    if args.report:
        Path(args.report).write_text(
            "[" + ",\n".join(r.to_json() for r in reports) + "]\n", encoding="utf-8"
        )
    return 1 if any(report.errors for report in reports) else 0


def _print_plan(report: ClassReport) -> None:
    for student, why in report.why.items():
        print(f"would grade {student:<24} {why.value}")
    for student in report.skipped:
        print(f"would skip  {student:<24} already graded (use --force to regrade)")


def _print_report(report: ClassReport) -> None:
    for warning in report.warnings:
        print(f"WARNING: isolation: {warning}", file=sys.stderr)
    for line in report.notebooks:
        status = line.error or f"{line.score:g} / {line.max_score:g}"
        print(f"{line.student:<24} {line.notebook:<24} {status}")
        for grade_id, why in line.not_run.items():
            print(f"{'':<24}   not run: {grade_id}: {why}")
        for grade_id, notes in line.flagged.items():
            print(f"{'':<24}   for review: {grade_id}: {'; '.join(notes)}")
    if report.skipped:
        print(f"already graded (use --force to regrade): {', '.join(report.skipped)}")
    if report.resumed:
        print(f"an earlier run stopped while recording, graded again: {', '.join(report.resumed)}")
    for error in report.errors:
        print(f"NOT GRADED: {error}", file=sys.stderr)
    print(
        f"{report.assignment}: graded {len(report.notebooks)} notebook(s) in {report.seconds:.1f} s"
    )


def _notebook(args: argparse.Namespace) -> int:
    from coursetools.grading.single import grade_notebook

    result = grade_notebook(
        args.file,
        args.source,
        limits=_limits(args),
        stderr_fails=args.stderr_fails,
        use_screen=not args.no_screen,
    )
    print(json.dumps(result.as_dict(), indent=1))
    return 0 if result.error is None else 1


def _feedback(args: argparse.Namespace) -> int:
    from coursetools.grading.feedback import generate_feedback

    made = generate_feedback(
        args.course.resolve(),
        args.assignment,
        db_url=args.db,
        students=tuple(args.student or ()),
        show_hidden_tests=args.show_hidden_tests,
        force=args.force,
    )
    for path in made:
        print(path)
    return 0


def _report(args: argparse.Namespace) -> int:
    from coursetools.grading import course as courses
    from coursetools.grading.glance import gather
    from coursetools.grading.glance_page import render

    root = args.course.resolve()
    try:
        page = render(gather(root, args.assignment, args.db, args.run_report))
    except courses.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    output = args.output or root / "reports" / f"{args.assignment}.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    print(output)
    return 0


def _sample_class(args: argparse.Namespace) -> int:
    from coursetools.grading.sample import build
    from coursetools.layout import NOTEBOOKS, assignments

    notebooks = args.notebooks.split(",") if args.notebooks else assignments(NOTEBOOKS)
    try:
        students = build(args.folder.resolve(), notebooks, args.students)
    except ValueError as exc:
        print(f"sample-class: {exc}", file=sys.stderr)
        return 2
    print(f"{args.folder}: {len(students)} students x {', '.join(notebooks)}, submitted")
    print(f"next: python -m coursetools.grading class {' '.join(notebooks)} --course {args.folder}")
    return 0


def _probe(_: argparse.Namespace) -> int:
    from coursetools.grading.sandbox.zygote_client import zygote

    capability = zygote().capability
    print(json.dumps(asdict(capability), indent=1))
    return 0 if capability.jailed else 1


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m coursetools.grading", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("class", help="grade every submission of assignments")
    grade.add_argument("assignment", nargs="+", help="one or more assignments, graded in turn")
    grade.add_argument("--course", type=Path, default=Path.cwd(), help="course root (cwd)")
    grade.add_argument("--db", help="gradebook SQLAlchemy URL (default: the course's)")
    grade.add_argument("--student", action="append", help="only this student (repeatable)")
    grade.add_argument("--force", action="store_true", help="regrade already graded students")
    grade.add_argument(
        "--dry-run", action="store_true", help="list who would be graded and why; grade no one"
    )
    grade.add_argument("--jobs", type=int, help="parallel notebooks (default: cores + 1)")
    grade.add_argument("--dask", help="'local' for a local Dask cluster, or a scheduler address")
    grade.add_argument(
        "--processes", action="store_true", help="a pool of processes instead of threads"
    )
    grade.add_argument("--preload", help="modules the kernels import ahead, comma-separated")
    grade.add_argument("--report", help="write a JSON report of every notebook here")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    # The class command has no default timeout of its own (None: each notebook's limits).
    _execution_options(grade, default_timeout=None)  # type: ignore[arg-type]
    grade.set_defaults(run=_class)

    single = commands.add_parser("notebook", help="grade one notebook file; print JSON")
    single.add_argument("file", type=Path)
    single.add_argument("--source", type=Path, required=True, help="the source notebook")
    _execution_options(single, default_timeout=120.0)
    single.set_defaults(run=_notebook)

    feedback = commands.add_parser("feedback", help="feedback HTML without hidden tests")
    feedback.add_argument("assignment")
    feedback.add_argument("--course", type=Path, default=Path.cwd())
    feedback.add_argument("--db")
    feedback.add_argument("--student", action="append")
    feedback.add_argument("--show-hidden-tests", action="store_true")
    feedback.add_argument("--force", action="store_true")
    feedback.set_defaults(run=_feedback)

    report = commands.add_parser("report", help="the class at a glance: one HTML page")
    report.add_argument("assignment")
    report.add_argument("--course", type=Path, default=Path.cwd(), help="course root (cwd)")
    report.add_argument("--db", help="gradebook SQLAlchemy URL (default: the course's)")
    report.add_argument(
        "--run-report",
        type=Path,
        help="a class run's --report JSON: grading times, answers not run",
    )
    report.add_argument(
        "--output", type=Path, help="where to write the page (COURSE/reports/ASSIGNMENT.html)"
    )
    report.set_defaults(run=_report)

    sample = commands.add_parser(
        "sample-class", help="a course folder with a synthetic class submitted, to try grading"
    )
    sample.add_argument("folder", type=Path, help="a new or empty folder")
    sample.add_argument("--students", type=int, default=12, help="class size (at least 12)")
    sample.add_argument("--notebooks", help="comma-separated ids (default: every released one)")
    sample.set_defaults(run=_sample_class)

    probe = commands.add_parser("probe", help="report the isolation available here")
    probe.set_defaults(run=_probe)
    return main


def main(argv: list[str] | None = None) -> int:
    from coursetools.grading.nbgrader_light import light

    light()
    args = parser().parse_args(argv)
    return int(args.run(args))
