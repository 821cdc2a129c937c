"""benchmarks/mutation.py: the mutants it makes of an answer, and a measured notebook."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "mutation.py"

ANSWER = '''\
LIMIT = 3


def allowed(count: int, member: object) -> bool:
    """Given: not mutated."""
    if count < 0:
        raise ValueError("negative")
    ### BEGIN SOLUTION
    rule = CheckConstraint("max_loans >= 1")
    return count < LIMIT and member is not None
    ### END SOLUTION
'''


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_only_the_solution_lines_are_mutated_each_way_the_docstring_names() -> None:
    changes = {m.change: m.source for m in _script().mutants("allowed", ANSWER)}

    assert sorted(changes) == sorted(
        [
            "'max_loans >= 1' -> 'max_loans > 1'",
            "'max_loans >= 1' -> 'max_loans >= 2'",
            "'max_loans >= 1' -> 'max_loans >= 0'",
            "count < LIMIT -> count <= LIMIT",
            "member is not None -> member is None",
            "count < LIMIT and member is not None -> count < LIMIT or member is not None",
            "deleted: rule = CheckConstraint('max_loans >= 1')",
            "deleted: return count < LIMIT and member is not None",
        ]
    ), "the given lines (LIMIT, count < 0, the raise) are never mutated"
    deleted = changes["deleted: return count < LIMIT and member is not None"]
    assert "    pass\n    ### END SOLUTION" in deleted
    assert "count <= LIMIT and member" in changes["count < LIMIT -> count <= LIMIT"]


def test_a_notebook_is_measured_with_the_reference_restored_after_each_mutant(
    tmp_path: Path,
) -> None:
    out = tmp_path / "outcomes.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "00-orientation", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )

    outcomes = json.loads(out.read_text())["00-orientation"]
    killed = sum(o["killed"] for o in outcomes)
    assert len(outcomes) >= 10 and 0 < killed < len(outcomes)
    assert f"{killed:4} of {len(outcomes):4} mutants killed" in done.stdout
