"""The README's first command, from a fresh clone: ``make start NO_BROWSER=1``.

The clone holds only committed files, so this proves what a learner gets. It
reuses this test run's virtual environment (``VENV=`` on the command line, and
``-o`` so make does not rebuild it): creating one is what ``make test`` itself
already does from a clean clone in CI. The server must print its address,
serve notebook 00 through its contents API, run a kernel for it, and leave no
process behind when interrupted the way Ctrl+C in a terminal does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from coursetools.labserver import isolated_env, port_in_use
from coursetools.layout import ROOT

pytestmark = pytest.mark.timeout(300)

NOTEBOOK = "notebooks/00-orientation/00-orientation.ipynb"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab\S*)\?token=(\w+)")
START_TIMEOUT_S = 120


def fetch(url: str, token: str, method: str = "GET", body: object = None) -> object:
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def wait_for_url(process: subprocess.Popen[bytes], log: Path) -> re.Match[str]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = URL.search(log.read_text(errors="replace"))
        if found:
            return found
        assert process.poll() is None, f"make start exited:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)
    raise AssertionError(f"no URL after {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")


def _command_line(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # a short-lived helper process that has already gone
        return ""


def wait_for_kernel_process(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """make, the server and the kernel, once the kernel's process runs."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
        if any("ipykernel" in _command_line(proc) for proc in tree):
            return tree
        time.sleep(0.2)
    raise AssertionError("no kernel process started for the session")


@pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git"
)
def test_make_start_serves_notebook_00_and_stops_cleanly(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    venv = Path(sys.prefix)
    env = isolated_env(tmp_path / "state", tmp_path / "workspace")
    log = tmp_path / "make-start.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "start", "NO_BROWSER=1", f"VENV={venv}", "-o", f"{venv}/.installed"],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        found = wait_for_url(process, log)
        base, port, token = found.group(1), int(found.group(2)), found.group(3)
        assert base.endswith(f"/lab/tree/{NOTEBOOK}"), f"make start must open notebook 00: {base}"
        server = f"http://127.0.0.1:{port}"

        model = fetch(f"{server}/api/contents/{NOTEBOOK}", token)
        assert isinstance(model, dict) and model["type"] == "notebook"
        on_disk = json.loads((clone / NOTEBOOK).read_text(encoding="utf-8"))
        assert len(model["content"]["cells"]) == len(on_disk["cells"])

        # What opening the notebook does: a session with a kernel, which must go away too.
        session = fetch(
            f"{server}/api/sessions",
            token,
            "POST",
            {"path": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}},
        )
        assert isinstance(session, dict) and session["kernel"]["id"]
        started = wait_for_kernel_process(process)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl+C in the terminal: make and jupyter
        process.wait(timeout=60)
        _, alive = psutil.wait_procs(started, timeout=20)
        assert [p.pid for p in alive] == [], "processes left behind by make start"
        assert not port_in_use(port), f"port {port} still answers"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for proc in psutil.process_iter():  # only processes working in this test's clone
            try:
                if str(clone) in _command_line(proc) or proc.cwd().startswith(str(clone)):
                    proc.kill()
            except psutil.Error:
                pass
