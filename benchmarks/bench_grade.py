"""Class grading: `python -m coursetools.grading class` against plain `nbgrader autograde`.

Builds a sample class for the released notebooks (20 students by default,
each submitting every notebook; see :mod:`coursetools.grading.sample`):
correct, wrong, hard-coded and hostile submissions. Two copies of the course
are graded in the same run, assignment by assignment, alternating: plain
serial ``nbgrader autograde ASSIGNMENT``, then ``python -m coursetools.grading
class ASSIGNMENT`` (its default thread pool). Each command's wall time includes
its start-up, and load from other processes on the machine falls on both
alike. Prints both totals, their ratio, whether the honest students' scores
agree, and where the class grader's time goes, measured by the grader itself
(its ``--report``): per honest notebook, the rebuild, the screen, the sandbox's
start (of which the zygote's fork and the jail), the kernel's start, the
answer, trusted and graded cells (of which the guard's snapshots and checks
and the audit hook), the sandbox's end, scoring, gradebook writes, autograded
files and the ledger; per class, the set-up, the command's start and exit,
how many notebooks ran at once and how long the last one ran alone.

    python benchmarks/bench_grade.py [--students 20] [--notebooks 00-orientation,01-schemas]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from coursetools.grading import course as courses
from coursetools.grading.record import quiet_gradebook
from coursetools.grading.sample import HOSTILE, SMALLEST, build
from coursetools.layout import NOTEBOOKS, assignments


def _timed(command: list[str], cwd: Path) -> tuple[float, int]:
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return time.perf_counter() - began, done.returncode


def _scores(root: Path, notebooks: list[str]) -> dict[tuple[str, str, str], float | None]:
    from nbgrader.api import Gradebook

    coursedir, _ = courses.load(root)
    found: dict[tuple[str, str, str], float | None] = {}
    with quiet_gradebook(), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for notebook in notebooks:
            for submission in gb.find_assignment(notebook).submissions:
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        key = (submission.student_id, notebook, grade.name)
                        found[key] = grade.auto_score
    return found


CELLS = ("answer cells", "trusted cells", "graded cells")
INSIDE_CELLS = ("of which guard", "of which audit hook")  # grading work inside the cells
PHASE_ORDER = (
    "rebuild",
    "screen",
    "sandbox start",
    "of which fork and jail",
    "kernel start",
    *CELLS,
    *INSIDE_CELLS,
    "sandbox end",
    "scoring",
    "gradebook writes",
    "autograded files",
    "ledger",
)


def _honest_phases(lines: list[dict[str, Any]]) -> dict[str, float]:
    phases: dict[str, float] = {}
    for line in lines:
        for phase, seconds in line["phases"].items():
            phases[phase] = phases.get(phase, 0.0) + seconds / len(lines)
    return phases


def _alone(lines: list[dict[str, Any]]) -> float:
    """Seconds at the end of the run during which a single notebook was executing."""
    spans = sorted(
        ((line["started"], line["started"] + line["seconds"]) for line in lines),
        key=lambda span: span[1],
    )
    if len(spans) < 2:
        return 0.0
    (started, ended), (_, before) = spans[-1], spans[-2]
    return float(max(0.0, ended - max(before, started)))


def _print_breakdown(
    work: Path, notebooks: list[str], students: list[str], wall: dict[str, float]
) -> None:
    """Where the class grader's time goes, from its ``--report`` of each assignment."""
    honest = {s for s in students if not s.endswith(HOSTILE)}
    print("\nclass grader, seconds per honest notebook by phase (mean; notebooks run in parallel):")
    for notebook in notebooks:
        (report,) = json.loads((work / f"{notebook}.json").read_text())
        lines = [
            line for line in report["notebooks"] if line["student"] in honest and line["runs"] == 1
        ]
        if not lines:
            continue
        phases = _honest_phases(lines)
        ordered = [p for p in PHASE_ORDER if p in phases] + sorted(set(phases) - set(PHASE_ORDER))
        print(f"  {notebook}")
        for phase in ordered:
            print(f"    {phase:<24} {phases[phase]:.3f}")
        inside = sum(phases.get(phase, 0.0) for phase in INSIDE_CELLS)
        cells = sum(phases.get(phase, 0.0) for phase in CELLS) - inside
        total = sum(v for phase, v in phases.items() if not phase.startswith("of which "))
        overhead = total - cells
        print(
            f"    running the cells {cells:.3f} s; grading overhead beyond them {overhead:.3f} s "
            f"(guard and audit hook {inside:.3f} s included)"
        )
        executed = [line for line in report["notebooks"] if line["runs"]]
        in_flight = sum(line["seconds"] for line in executed) / max(report["seconds"], 1e-9)
        print(
            f"    the class: {len(report['notebooks'])} notebooks in {report['seconds']:.1f} s: "
            f"set-up {report['setup_seconds']:.2f} s, command start and exit "
            f"{wall[notebook] - report['seconds']:.2f} s, {in_flight:.1f} notebooks executing "
            f"at once on average, the last {_alone(executed):.1f} s only one "
            f"({max(executed, key=lambda line: line['started'] + line['seconds'])['student']})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20, help="class size (default 20)")
    parser.add_argument("--notebooks", help="comma-separated ids (default: every released one)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per cell, both graders"
    )
    parser.add_argument(
        "--jobs", type=int, help="class grader's parallel notebooks (default: cores + 1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the course folders")
    args = parser.parse_args()
    notebooks = args.notebooks.split(",") if args.notebooks else assignments(NOTEBOOKS)
    if args.students < SMALLEST:
        parser.error(f"--students must be at least {SMALLEST}")

    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        plain, ours = work / "nbgrader", work / "class-grader"
        plain.mkdir()
        students = build(plain, notebooks, args.students)
        shutil.copytree(plain, ours)
        print(
            f"class: {len(students)} students x {len(notebooks)} notebooks ({', '.join(notebooks)})"
        )

        print(f"load average before: {os.getloadavg()[0]:.2f}")
        plain_seconds = ours_seconds = 0.0
        failures = 0
        walls: dict[str, float] = {}
        for notebook in notebooks:
            command = [sys.executable, "-m", "nbgrader", "autograde", notebook, "--create"]
            theirs, _ = _timed([*command, f"--Execute.timeout={int(args.timeout)}"], plain)
            command = [sys.executable, "-m", "coursetools.grading", "class", notebook]
            command += ["--course", str(ours), "--quiet", "--timeout", str(args.timeout)]
            command += ["--report", str(work / f"{notebook}.json")]
            if args.jobs:
                command += ["--jobs", str(args.jobs)]
            mine, code = _timed(command, ours)
            walls[notebook] = mine
            failures += code != 0
            plain_seconds, ours_seconds = plain_seconds + theirs, ours_seconds + mine
            print(
                f"  {notebook:<18} nbgrader autograde {theirs:6.1f} s   class grader {mine:6.1f} s",
                flush=True,
            )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        _print_breakdown(work, notebooks, students, walls)

        theirs_scores, our_scores = _scores(plain, notebooks), _scores(ours, notebooks)
        honest = [s for s in students if not s.endswith(HOSTILE)]
        keys = [k for k in our_scores if k[0] in honest]
        agree = [k for k in keys if theirs_scores.get(k) == our_scores[k]]
        graded_by_nbgrader = {k[:2] for k in theirs_scores if k[0] in honest}
        print(f"\nplain nbgrader autograde (serial): {plain_seconds:8.1f} s")
        print(
            f"class grader (parallel, sandboxed): {ours_seconds:7.1f} s  ({failures} failed runs)"
        )
        print(f"ratio: {ours_seconds / plain_seconds:.3f} x nbgrader's wall time")
        print(
            f"honest scores agree: {len(agree)} of {len(keys)} graded cells "
            f"({len(graded_by_nbgrader)} honest notebooks graded by nbgrader)"
        )
        for key in sorted(set(keys) - set(agree))[:20]:
            print(
                f"  differs: {key}: nbgrader {theirs_scores.get(key)}, "
                f"class grader {our_scores[key]}"
            )
        hostile = [s for s in students if s.endswith(HOSTILE)]
        for student in hostile:
            for notebook in notebooks:
                their_points = [v for k, v in theirs_scores.items() if k[:2] == (student, notebook)]
                my_points = [v for k, v in our_scores.items() if k[:2] == (student, notebook)]
                print(
                    f"  hostile {student:<18} {notebook:<16} nbgrader "
                    f"{sum(v or 0 for v in their_points) if their_points else 'not graded':>10}  "
                    f"class grader {sum(v or 0 for v in my_points):g}"
                )
        if args.keep:
            print(f"course folders kept in {work}")
        return 0 if len(agree) == len(keys) else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
