"""Wall-time figures for the course: run with `make bench`.

Per notebook: executing the solution in a fresh kernel, and autograding one
submission with `nbgrader autograde` (start-up included). Then the whole test
suite, as `make test` runs it (skip with --no-suite). Figures are printed, not
asserted: targets belong here, not in timed tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursetools import nbmeta
from coursetools.execute import execute
from coursetools.layout import ROOT, SOLUTIONS, assignments, notebook_path
from coursetools.nbcourse import NbgraderCourse, fill_in


def time_execution(name: str) -> float:
    began = time.perf_counter()
    execute(notebook_path(SOLUTIONS, name))
    return time.perf_counter() - began


def time_autograde(name: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-course-") as tmp:
        course = NbgraderCourse(Path(tmp))
        course.add_source(name, SOLUTIONS / name)
        student = nbmeta.read(course.generate(name))
        course.submit("bench", name, fill_in(student, nbmeta.read(notebook_path(SOLUTIONS, name))))
        began = time.perf_counter()
        course.autograde(name)
        return time.perf_counter() - began


def time_suite() -> tuple[float, int]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "auto", "-q"], cwd=ROOT, check=False
    )
    return time.perf_counter() - began, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-suite", action="store_true", help="skip timing the test suite")
    args = parser.parse_args()
    print(f"{'notebook':<20} {'execute (s)':>12} {'autograde (s)':>14}")
    for name in assignments():
        print(f"{name:<20} {time_execution(name):>12.1f} {time_autograde(name):>14.1f}", flush=True)
    if not args.no_suite:
        seconds, code = time_suite()
        print(f"\nwhole test suite (pytest -n auto): {seconds:.1f} s, exit code {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
