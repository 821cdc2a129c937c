"""The learner's first hour, in figures: run with `make bench` (or alone, as below).

In one run, into throw-away folders, as the Makefile installs them:

(a) the learner's environment (`make learner`: the course's runtime packages and
    `course lab-mode learner`) and the maintainer's (`make setup`: with the dev
    and grading extras): wall time of each install and its size on disk, and
    their ratio;
(b) from the learner's environment just installed: `make start` until notebook
    00's first code cell has printed its first output, through the server's
    REST API and kernel websocket as the browser would (server answering,
    notebook served, kernel ready, first output).

pip's cache is used as it is (say `--no-cache` for a download of everything),
so a first install on a new machine takes longer than (a) shows when the cache
is warm. Figures are printed, not asserted.

    .venv/bin/python benchmarks/install.py [--no-cache] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tornado.websocket import websocket_connect

from coursetools.labserver import free_port, isolated_env
from coursetools.layout import ROOT

NOTEBOOK = "notebooks/00-orientation/00-orientation.ipynb"
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab\S*\?token=(\w+)")
TIMEOUT_S = 300.0


def install(venv: Path, spec: str, mode: str, no_cache: bool) -> float:
    """Seconds to create ``venv`` and install ``spec`` into it, as the Makefile does."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--no-cache-dir"] if no_cache else []
    began = time.perf_counter()
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([*pip, "--upgrade", "pip"])
    _run([*pip, "-e", spec])
    _run([str(venv / "bin" / "course"), "lab-mode", mode])
    (venv / ".installed").touch()
    return time.perf_counter() - began


def _run(command: list[str]) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def size_mib(folder: Path) -> float:
    """Disk usage, as ``du -sm`` counts it."""
    return sum(p.lstat().st_blocks * 512 for p in folder.rglob("*")) / 2**20


def _api(port: int, token: str, path: str, body: object = None) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def first_code_cell() -> str:
    cells = json.loads((ROOT / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


async def _run_cell(port: int, token: str, kernel_id: str, code: str) -> tuple[float, float]:
    """When (``perf_counter``) the kernel answered kernel_info, and the cell first printed."""
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
    connection = await websocket_connect(url)
    session = uuid.uuid4().hex

    async def request(msg_type: str, content: dict[str, object]) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "session": session, "version": "5.3"}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        await connection.write_message(json.dumps({**message, "channel": "shell"}))
        return msg_id

    async def reply(msg_id: str, wanted: set[str]) -> dict[str, object]:
        while True:
            raw = await connection.read_message()
            if raw is None:
                raise SystemExit("the kernel's websocket closed")
            message = json.loads(raw)
            if message["parent_header"].get("msg_id") == msg_id and (message["msg_type"] in wanted):
                return dict(message)

    await reply(await request("kernel_info_request", {}), {"kernel_info_reply"})
    ready = time.perf_counter()
    execute = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
    answer = await reply(
        await request("execute_request", execute),
        {"stream", "display_data", "execute_result", "error"},
    )
    output = time.perf_counter()
    connection.close()
    if answer["msg_type"] == "error":
        raise SystemExit(f"notebook 00's first cell failed: {answer['content']}")
    return ready, output


def time_first_cell(venv: Path, state: Path) -> dict[str, float]:
    """``make start`` from the learner's ``venv``: seconds to each milestone."""
    env = isolated_env(state, state / "workspace")
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    log = state / "make-start.log"
    command = ["make", "start", "NO_BROWSER=1", f"PORT={free_port()}", f"LEARNER_VENV={venv}"]
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "-o", f"{venv}/.installed"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    marks: dict[str, float] = {}
    try:
        while "server answers" not in marks:
            if process.poll() is not None or time.perf_counter() - began > TIMEOUT_S:
                raise SystemExit(f"make start not ready:\n{log.read_text(errors='replace')}")
            found = URL.search(log.read_text(errors="replace"))
            if found:
                port, token = int(found.group(1)), found.group(2)
                try:
                    _api(port, token, "/api/status")
                    marks["server answers"] = time.perf_counter() - began
                except urllib.error.URLError:
                    pass  # listening soon
            time.sleep(0.05)
        _api(port, token, f"/api/contents/{NOTEBOOK}")
        marks["notebook 00 served"] = time.perf_counter() - began
        body = {"path": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}}
        session = _api(port, token, "/api/sessions", body)  # what opening the notebook does
        # The Jupyter Server API's JSON: a session holds its kernel's id.
        kernel_id = str(session["kernel"]["id"])  # type: ignore[index]
        ready, output = asyncio.run(_run_cell(port, token, kernel_id, first_code_cell()))
        marks["kernel ready"] = ready - began
        marks["first cell's first output"] = output - began
        return marks
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-cache", action="store_true", help="pip downloads everything")
    parser.add_argument("--keep", type=Path, help="install into DIR and keep the environments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="install-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        kinds = {"learner": (".", "learner"), "maintainer": (".[dev]", "instructor")}
        figures = {}
        print(f"{'environment':<12} {'install (s)':>12} {'size (MiB)':>11}")
        for kind, (spec, mode) in kinds.items():
            seconds = install(root / f"venv-{kind}", spec, mode, args.no_cache)
            figures[kind] = (seconds, size_mib(root / f"venv-{kind}"))
            print(f"{kind:<12} {seconds:>12.1f} {figures[kind][1]:>11.0f}", flush=True)
        (seconds, size), (dev_seconds, dev_size) = figures["learner"], figures["maintainer"]
        print(f"learner / maintainer: time {seconds / dev_seconds:.2f}, size {size / dev_size:.2f}")
        print("\nmake start (learner environment) to notebook 00's first executed cell:")
        for mark, seconds in time_first_cell(root / "venv-learner", root / "state").items():
            print(f"  {mark:<26} {seconds:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
