"""Start-up cost as a learner meets it: run with `.venv/bin/python benchmarks/startup.py`.

(a) ``make start NO_BROWSER=1`` until the printed URL works and the contents API
    serves notebook 00 (the learner environment already exists: make learner);
(b) a kernel's start until the first output of notebook 00's setup cell, split
    into kernel start-up and the setup cell itself;
(c) where the setup cell's time goes: ``python -X importtime`` of the setup
    cell, the heaviest imports by cumulative time.

Figures are printed, not asserted. Each run uses throw-away Jupyter state and
``COURSE_WORKSPACE``, so nothing of a learner's set-up is read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from coursetools.labserver import isolated_env
from coursetools.layout import NOTEBOOKS, ROOT, notebook_path

NOTEBOOK = "00-orientation"
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\S*\?token=(\w+)")
TIMEOUT_S = 180.0


def setup_source() -> str:
    """The code of notebook 00's setup cell (the first cell that calls ``start``)."""
    nb = json.loads(notebook_path(NOTEBOOKS, NOTEBOOK).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "start(" in source:
            return source
    raise SystemExit(f"no setup cell in {NOTEBOOK}")


def _get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:  # not listening yet
        return 0


def time_make_start(state: Path) -> tuple[float, float]:
    """Seconds until the URL is printed, and until notebook 00 is served."""
    env = isolated_env(state, state / "workspace")
    log = state / "make-start.log"
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "start", "NO_BROWSER=1", "-o", ".venv-learner/.installed"],  # make learner ran
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = served = None
        paths = [f"notebooks/{NOTEBOOK}/{NOTEBOOK}.ipynb", f"{NOTEBOOK}.ipynb"]
        while time.perf_counter() - began < TIMEOUT_S and served is None:
            if process.poll() is not None:
                raise SystemExit(f"make start exited:\n{log.read_text(errors='replace')}")
            found = URL.search(log.read_text(errors="replace"))
            if found and printed is None:
                printed = time.perf_counter() - began
            if found:
                port, token = found.groups()
                for path in paths:  # the server's root may be the repository or the notebook's
                    if _get(f"http://127.0.0.1:{port}/api/contents/{path}", token) == 200:
                        served = time.perf_counter() - began
                        break
            time.sleep(0.05)
        if printed is None or served is None:
            raise SystemExit(f"make start not usable in {TIMEOUT_S:.0f} s")
        return printed, served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def time_kernel(state: Path) -> tuple[float, float]:
    """Seconds from starting a kernel until it is ready, and from then to the first output."""
    from jupyter_client.manager import KernelManager

    os.environ.update(isolated_env(state, state / "workspace"))
    manager = KernelManager(kernel_name="python3")
    began = time.perf_counter()
    folder = notebook_path(NOTEBOOKS, NOTEBOOK).parent
    manager.start_kernel(cwd=str(folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT_S)
        ready = time.perf_counter()
        msg_id = client.execute(setup_source())
        while True:
            message = client.get_iopub_msg(timeout=TIMEOUT_S)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] in ("stream", "display_data", "execute_result", "error"):
                first = time.perf_counter()
                break
        return ready - began, first - ready
    finally:
        client.stop_channels()
        manager.shutdown_kernel()


def import_profile(state: Path, top: int) -> tuple[float, list[tuple[float, str]]]:
    """Wall time of the setup cell in a fresh interpreter, and its heaviest imports (ms)."""
    env = isolated_env(state, state / "workspace")
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", setup_source()],
        cwd=notebook_path(NOTEBOOKS, NOTEBOOK).parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - began
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s+)(\S+)", line)
        if match and len(match.group(3)) <= 5:  # imported by the cell or one level below
            rows.append(
                (int(match.group(2)) / 1000, match.group(3)[1:].replace(" ", "·") + match.group(4))
            )
    return wall, sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of (a) and (b)")
    parser.add_argument("--top", type=int, default=12, help="imports listed in (c)")
    parser.add_argument("--no-make", action="store_true", help="skip (a)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        runs = [Path(tmp) / f"run-{i}" for i in range(args.runs)]
        if not args.no_make:
            figures = [time_make_start(run / "make") for run in runs]
            printed = statistics.median(p for p, _ in figures)
            served = statistics.median(s for _, s in figures)
            print(f"(a) make start: URL printed {printed:.2f} s, notebook 00 served {served:.2f} s")
        kernels = [time_kernel(run / "kernel") for run in runs]
        ready = statistics.median(r for r, _ in kernels)
        first = statistics.median(f for _, f in kernels)
        print(
            f"(b) kernel ready {ready:.2f} s + setup cell to first output {first:.2f} s"
            f" = {ready + first:.2f} s (median of {args.runs})"
        )
        wall, rows = import_profile(Path(tmp) / "imports", args.top)
        print(f"(c) setup cell in a fresh interpreter: {wall:.2f} s; heaviest imports (ms):")
        for cumulative, name in rows:
            print(f"    {cumulative:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
