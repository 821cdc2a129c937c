"""The kernel's audit hook, in a fresh interpreter (a hook, once added, stays for good).

It must deny frame introspection to untrusted code and allow it to trusted
code, let the events no rule concerns straight through, and count what it
costs, those events included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

CELL = "/tmp/ipykernel_1/cell.py"

SCRIPT = """
import json, sys
from coursetools.grading.kernel import audit

TRUSTED = {trusted!r}
policy = audit.Policy(lambda name: isinstance(name, str) and name.startswith(TRUSTED))
audit.install(policy)
policy.sealed = True

def run(source, filename):
    try:
        exec(compile(source, filename, "exec"), {{"sys": sys}})
        return "allowed"
    except PermissionError as exc:
        return str(exc)

CELL = {cell!r}
introspect = (
    "sys._getframe(0)\\n"
    "try:\\n    raise ValueError\\nexcept ValueError as e:\\n    e.__traceback__.tb_frame"
)
found = {{
    "untrusted": run(introspect, CELL),
    "trusted": run(introspect, TRUSTED + "module.py"),
    "disguised": run(f"compile('pass', {{TRUSTED + 'module.py'!r}}, 'exec')", CELL),
}}
policy.reset()
for _ in range(1000):
    id(policy)
found["passed"] = policy.passed
found["cost per event"] = policy.pass_cost
found["seconds"] = policy.seconds
print(json.dumps(found))
"""


def _run(tmp_path: Path) -> dict[str, object]:
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    script = trusted / "runner.py"  # trusted code itself, like the kernel's own
    script.write_text(textwrap.dedent(SCRIPT.format(trusted=f"{trusted}/", cell=CELL)))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_the_hook_denies_untrusted_introspection_and_counts_what_it_lets_through(
    tmp_path: Path,
) -> None:
    found = _run(tmp_path)
    assert found["untrusted"] == f"blocked by the course grader: sys._getframe from {CELL}"
    assert found["trusted"] == "allowed"  # its own lookup of the caller does not recurse
    assert found["disguised"] == f"blocked by the course grader: compile from {CELL}"
    assert isinstance(found["passed"], int) and found["passed"] >= 1000  # every id() counted
    cost, seconds = found["cost per event"], found["seconds"]
    assert isinstance(cost, float) and isinstance(seconds, float)
    assert 0 < cost < 1e-3 and seconds >= 1000 * cost
