"""How sharp the grading is: mutate each solution cell and count the mutants its tests kill.

For every solution cell of a notebook, each *mutant* is the cell with one realistic bug:

- a comparison changed (``<`` and ``<=``, ``>`` and ``>=``, ``==`` and ``!=``, ``is`` and
  ``is not``, ``in`` and ``not in`` swapped), in code or in a rule written as SQL text
  (``CheckConstraint("max_loans >= 1")``);
- a boundary off by one: an integer literal, a number in such SQL text or in a regular
  expression's ``{m,n}``, one more or one less;
- ``and`` and ``or`` swapped;
- a statement deleted (an assignment, call, ``return``, ``raise``, ``assert``, ``if``).

Only the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are mutated, as a
learner would write them. A notebook runs in an in-process IPython shell in its own
process, cell by cell, as a learner runs it; at each exercise's test cell, every mutant of
its answer is run in place of the answer and then the test cell, visible and hidden tests
together, as nbgrader would. A mutant is *killed* when the test cell fails or, for a cell
graded by share (07), ends in fewer points than it is worth. The answer is then run again
and its tests must pass once more, else the mutant left the notebook broken and the rest
of the notebook is measured from a fresh shell.

    python benchmarks/mutation.py [NOTEBOOK ...] [--survivors] [--json out.json]
        [--solutions DIR]   (another copy of solutions/, e.g. an earlier commit's)

Prints, per notebook and in total, mutants and kills; ``--survivors`` lists the mutants the
tests missed (cell, line, what changed), which is where a hidden test is missing.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from coursetools import nbmeta
from coursetools.layout import SOLUTIONS, assignments, notebook_path

TIMEOUT_S = 60
END_SOLUTION = "### END SOLUTION"

SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
TEXT_SWAPS = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "=": "<>", "<>": "="}
SQL_COMPARISON = re.compile(r"\w \)? ?(>=|<=|<>|>|<|=) ")
SQL_NULL_TEST = re.compile(r"IS NOT NULL|IS NULL")
RULE_NUMBER = re.compile(r"(?:(?:>=|<=|>|<|=) |[{,])(?P<number>\d+)(?=[ )},]|$)")
DELETABLE = (
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Expr,
    ast.Return,
    ast.Raise,
    ast.Assert,
    ast.If,
)


@dataclass(frozen=True)
class Mutant:
    cell: str
    line: int
    change: str
    source: str


@dataclass(frozen=True)
class Outcome:
    cell: str
    line: int
    change: str
    killed: bool


def _solution_lines(source: str) -> set[int]:
    """1-based numbers of the lines between the solution markers (all, if there are none)."""
    lines = source.splitlines()
    inside, found, chosen = False, False, set()
    for number, line in enumerate(lines, start=1):
        if line.strip() == nbmeta.BEGIN_SOLUTION:
            inside, found = True, True
        elif line.strip() == END_SOLUTION:
            inside = False
        elif inside:
            chosen.add(number)
    return chosen if found else set(range(1, len(lines) + 1))


def _replace(source: str, node: ast.expr | ast.stmt, text: str) -> str:
    """``source`` with ``node``'s segment (positions in UTF-8 bytes) replaced by ``text``."""
    data = source.encode()
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line.encode()))
    begin = starts[node.lineno - 1] + node.col_offset
    if node.end_lineno is None or node.end_col_offset is None:  # parsed nodes have both
        raise ValueError(f"no end position: {ast.dump(node)}")
    end = starts[node.end_lineno - 1] + node.end_col_offset
    return (data[:begin] + text.encode() + data[end:]).decode()


def _rule_text_mutants(text: str) -> Iterator[tuple[str, str]]:
    """A rule written in a string: a SQL comparison (``"max_loans >= 1"``) changed, or a
    bound in it or in a regular expression's ``{m,n}`` one off."""
    for match in SQL_COMPARISON.finditer(text):
        swapped = TEXT_SWAPS[match.group(1)]
        changed = text[: match.start(1)] + swapped + text[match.end(1) :]
        yield f"{text!r} -> {changed!r}", changed
    for match in SQL_NULL_TEST.finditer(text):
        swapped = "IS NULL" if match.group(0) == "IS NOT NULL" else "IS NOT NULL"
        changed = text[: match.start()] + swapped + text[match.end() :]
        yield f"{text!r} -> {changed!r}", changed
    for match in RULE_NUMBER.finditer(text):
        number = match.group("number")
        start, end = match.span("number")
        for value in (int(number) + 1, int(number) - 1):
            changed = text[:start] + str(value) + text[end:]
            yield f"{text!r} -> {changed!r}", changed


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def mutants(cell: str, source: str) -> Iterator[Mutant]:
    """Every mutant of the solution lines of ``source``."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(source, cell, "exec", flags=flags, dont_inherit=True)
    lines = _solution_lines(source)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is None or line not in lines:
            continue
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                swap = SWAPS.get(type(op))
                if swap is None:
                    continue
                changed = ast.Compare(
                    left=node.left,
                    ops=[*node.ops[:index], swap(), *node.ops[index + 1 :]],
                    comparators=node.comparators,
                )
                text = ast.unparse(changed)
                yield Mutant(
                    cell, line, f"{ast.unparse(node)} -> {text}", _replace(source, node, text)
                )
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            text = ast.unparse(ast.BoolOp(op=other, values=node.values))
            yield Mutant(cell, line, f"{ast.unparse(node)} -> {text}", _replace(source, node, text))
        elif isinstance(node, ast.Constant) and type(node.value) is int and node.end_lineno == line:
            for value in (node.value + 1, node.value - 1):
                yield Mutant(
                    cell, line, f"{node.value} -> {value}", _replace(source, node, f"({value})")
                )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for change, text in _rule_text_mutants(node.value):
                yield Mutant(cell, line, change, _replace(source, node, repr(text)))
        elif (
            isinstance(node, DELETABLE)
            and not _is_docstring(node)
            and all(n in lines for n in range(line, (node.end_lineno or line) + 1))
        ):
            first = ast.unparse(node).splitlines()[0]
            yield Mutant(cell, line, f"deleted: {first}", _replace(source, node, "pass"))


def _top_level_names(source: str) -> set[str]:
    """The names a cell's own statements bind at top level (not its imports)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(source, "<answer>", "exec", flags=flags, dont_inherit=True)
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


# --- running one notebook (in its own process) -------------------------------------------


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout(f"no answer within {TIMEOUT_S} s")


class _Runner:
    """One notebook in an in-process IPython shell, replayed from the top when broken."""

    def __init__(self, name: str, folder: Path) -> None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        self.shell = InteractiveShell.instance(config=config)
        self.cells = list(nbmeta.read(notebook_path(folder, name)).cells)
        self.code = [c for c in self.cells if c.cell_type == "code"]

    def run(self, source: str) -> tuple[bool, Any]:
        signal.alarm(TIMEOUT_S)
        try:
            result = self.shell.run_cell(source, silent=False, store_history=False)
        finally:
            signal.alarm(0)
        return result.success, result.result

    def replay(self, upto: int) -> None:
        """A fresh namespace that ran the code cells before index ``upto``."""
        for module in [m for m in sys.modules if m == "lending" or m.startswith("lending.")]:
            del sys.modules[module]
        self.shell.reset(new_session=False)
        for cell in self.code[:upto]:
            self.run(cell.source)

    def passes(self, cell: Any, success: bool, value: Any) -> bool:
        points = nbmeta.nbgrader(cell).get("points", 0)
        if not success:
            return False
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) >= float(points)
        return True


def measure(name: str, folder: Path = SOLUTIONS) -> list[Outcome]:
    runner = _Runner(name, folder)
    signal.signal(signal.SIGALRM, _alarm)
    answers = {nbmeta.grade_id(c): c for c in runner.code if nbmeta.is_solution(c)}
    outcomes: list[Outcome] = []
    for index, cell in enumerate(runner.code):
        if not nbmeta.is_test(cell) or not nbmeta.grade_id(cell):
            runner.run(cell.source)
            continue
        answer = answers.get(str(nbmeta.grade_id(cell)).removesuffix("-tests"))
        if answer is None or not runner.passes(cell, *runner.run(cell.source)):
            print(
                f"{name}: {nbmeta.grade_id(cell)} fails on the reference; skipped", file=sys.stderr
            )
            continue
        defined = _top_level_names(answer.source)
        for mutant in mutants(str(nbmeta.grade_id(answer)), answer.source):
            for name in defined:  # a deleted definition must not leave the answer's behind
                runner.shell.user_ns.pop(name, None)
            try:
                compiled = runner.run(mutant.source)[0]
                killed = not compiled or not runner.passes(cell, *runner.run(cell.source))
            except _Timeout:
                killed = True
            outcomes.append(Outcome(mutant.cell, mutant.line, mutant.change, killed))
            restored = runner.run(answer.source)[0] and runner.passes(
                cell, *runner.run(cell.source)
            )
            if not restored:
                runner.replay(index)
                runner.run(cell.source)
    return outcomes


# --- the whole course ----------------------------------------------------------------------


def _in_subprocess(name: str, folder: Path) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        out = os.path.join(tmp, "out.json")
        env = {**os.environ, "COURSE_WORKSPACE": os.path.join(tmp, "workspace")}
        command = [sys.executable, __file__, "--one", name, "--json", out]
        command += ["--solutions", str(folder)]
        subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
        if not os.path.exists(out):
            print(f"{name}: the measurement crashed", file=sys.stderr)
            return []
        with open(out, encoding="utf-8") as stream:
            return [Outcome(**row) for row in json.load(stream)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook")
    parser.add_argument("--survivors", action="store_true", help="list the mutants not killed")
    parser.add_argument("--json", help="write every outcome to this file")
    parser.add_argument(
        "--solutions", type=Path, default=SOLUTIONS, help="another copy of solutions/ to measure"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        os.chdir(notebook_path(args.solutions, args.one).parent)
        found = measure(args.one, args.solutions)
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump([asdict(o) for o in found], stream)
        return
    results: dict[str, list[Outcome]] = {}
    for name in args.notebooks or assignments(args.solutions):
        results[name] = _in_subprocess(name, args.solutions)
        killed = sum(o.killed for o in results[name])
        total = len(results[name])
        share = f"{100 * killed / total:5.1f}%" if total else "    -"
        print(f"{name:18} {killed:4} of {total:4} mutants killed  {share}", flush=True)
        if args.survivors:
            for o in results[name]:
                if not o.killed:
                    print(f"    {o.cell}:{o.line}  {o.change}")
    every = [o for found in results.values() for o in found]
    killed = sum(o.killed for o in every)
    if every:
        print(
            f"{'total':18} {killed:4} of {len(every):4} mutants killed  "
            f"{100 * killed / len(every):5.1f}%"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump({n: [asdict(o) for o in f] for n, f in results.items()}, stream, indent=1)


if __name__ == "__main__":
    main()
