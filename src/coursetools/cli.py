"""``course``: one command per transformation of the course.

course release              solutions/ -> notebooks/ (+ exercise catalogue)
course outputs [NN-name..]  re-execute solutions in place (committed outputs)
course grade ASSIGNMENT..   grade a class (every option: course grade -h)
course report ASSIGNMENT    the graded class at a glance, one HTML page (course report -h)
course lab-mode MODE        JupyterLab for a learner (quiet, no instructor tools) or an instructor
course typecheck [--cells ..] mypy --strict: the learner's package (and notebooks' cells)
"""

from __future__ import annotations

import argparse
import sys

from coursetools.layout import SOLUTIONS, assignments, notebook_path


def _release(_: argparse.Namespace) -> int:
    from coursetools.release import release

    for name in release():
        print(f"released notebooks/{name}/{name}.ipynb")
    return 0


def _outputs(args: argparse.Namespace) -> int:
    from coursetools.execute import refresh_outputs

    names = args.notebooks or assignments()
    unknown = sorted(set(names) - set(assignments()))
    if unknown:
        print(f"unknown notebook(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    timings = refresh_outputs([notebook_path(SOLUTIONS, name) for name in names])
    for path, seconds in timings.items():
        print(f"executed {path.relative_to(SOLUTIONS.parent)} in {seconds:.1f} s")
    return 0


def _typecheck(args: argparse.Namespace) -> int:
    from coursetools.nbtypes import check

    unknown = sorted(set(args.cells) - set(assignments()))
    if unknown:
        print(f"unknown notebook(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    report = check(args.cells)
    print(report.text)
    return 0 if report.ok else 1


def _lab_mode(args: argparse.Namespace) -> int:
    from coursetools.labmode import Mode, apply

    mode = Mode(args.mode)
    wrong = apply(mode).mismatches(mode)
    if wrong:
        print(f"JupyterLab is not set for the {mode}: " + "; ".join(wrong), file=sys.stderr)
        print("(a setting at a higher level overrides it: see jupyter --paths)", file=sys.stderr)
        return 1
    tools = "on" if mode is Mode.INSTRUCTOR else "off"
    print(f"JupyterLab set for the {mode}: quiet, nbgrader's instructor tools {tools}")
    print("(restart JupyterLab for it to take effect)")
    return 0


def _grading(command: str, rest: list[str]) -> int:
    """The class grader's own parser reads every argument, ``-h`` included."""
    from coursetools.grading.cli import main as grading

    return grading([command, *rest])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["grade"], ["report"]):
        return _grading("class" if argv[0] == "grade" else "report", argv[1:])
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate notebooks/ from solutions/").set_defaults(
        run=_release
    )
    outputs = commands.add_parser("outputs", help="re-execute solution notebooks in place")
    outputs.add_argument("notebooks", nargs="*", help="ids such as 01-schemas (default: all)")
    outputs.set_defaults(run=_outputs)
    commands.add_parser(
        "grade", help="grade every submission of assignments, in parallel and sandboxed"
    )
    commands.add_parser("report", help="the graded class at a glance: one HTML page")
    typecheck = commands.add_parser(
        "typecheck", help="mypy --strict over the learner's package and notebooks' code cells"
    )
    typecheck.add_argument(
        "--cells",
        nargs="*",
        default=[],
        metavar="NN-name",
        help="notebooks whose every code cell is checked too (the package always is)",
    )
    typecheck.set_defaults(run=_typecheck)
    lab_mode = commands.add_parser(
        "lab-mode", help="set up this environment's JupyterLab for a learner or an instructor"
    )
    lab_mode.add_argument("mode", choices=["learner", "instructor"])
    lab_mode.set_defaults(run=_lab_mode)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
