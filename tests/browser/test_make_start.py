"""The README's first command, from a fresh clone: ``make start NO_BROWSER=1``, in Chromium.

The clone holds only committed files, so this proves what a learner gets. Its
learner environment holds only the course's runtime distributions, linked from
this test run's environment (``linked_venv``; installing them for real is
``make learner``, timed by ``make bench``) and set up as the Makefile's recipe
ends, by ``course lab-mode learner``; ``-o`` tells make that it is up to date.

In the browser the learner sees notebook 00 open, runs its first code cell,
meets no prompt (the news toast of a fresh JupyterLab) and none of nbgrader's
instructor tools, only Validate and the assignment list. Ctrl+C then stops
make, the server and the kernel, and ``course lab-mode instructor`` turns the
instructor tools on in that environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
from pathlib import Path

import psutil
import pytest
from linked_venv import clean_env, linked_venv, runtime_closure
from playwright.sync_api import Page, expect

from coursetools.labserver import LabServer, free_port, isolated_env, port_in_use
from coursetools.layout import ROOT

from .lab import Notebook, screenshot

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not (shutil.which("make") and shutil.which("git")), reason="needs make+git"),
]

NOTEBOOK = "notebooks/00-orientation/00-orientation.ipynb"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab\S*)\?token=(\w+)")
START_TIMEOUT_S = 180.0
INSTRUCTOR_ONLY = ("Formgrader", "Course List", "Create assignment")


def course_command(venv: Path, *args: str) -> str:
    done = subprocess.run(
        [venv / "bin" / "course", *args],
        env=clean_env(venv),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def learner_venv(root: Path) -> Path:
    """The course's runtime distributions only, set up as ``make learner`` ends."""
    venv = linked_venv(root, runtime_closure("lending-library-course") | {"pip"})
    course_command(venv, "lab-mode", "learner")
    return venv


def lab_state(venv: Path) -> dict[str, bool]:
    """``{nbgrader plugin: on}`` as a JupyterLab from ``venv`` would load them."""
    probe = "import json; from coursetools.labmode import state; print(json.dumps(state().enabled))"
    done = subprocess.run(
        [venv / "bin" / "python", "-c", probe],
        env=clean_env(venv),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def wait_until_ready(server: LabServer) -> str:
    """The URL make start printed (its token now the server's), once the server answers.

    Seeing the URL in the log does not mean a loaded machine already lets the
    server accept connections: a refused connection means "not yet" while the
    process lives and the deadline holds. Nothing else is retried.
    """
    deadline = time.monotonic() + START_TIMEOUT_S
    found = None
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"make start exited:\n{server.log()}"
        found = found or URL.search(server.log())
        if found:
            assert int(found.group(2)) == server.port, f"not on PORT={server.port}: {found[0]}"
            server.token = found.group(3)
            try:
                server.api("GET", "/api/status", timeout=10)
                return found.group(1)
            except urllib.error.URLError as error:
                if not isinstance(error.reason, ConnectionRefusedError):
                    raise
        time.sleep(0.2)
    raise AssertionError(f"make start not ready in {START_TIMEOUT_S:.0f} s:\n{server.log()}")


def _command_line(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # a short-lived helper process that has already gone
        return ""


def test_make_start_opens_notebook_00_for_a_learner(tmp_path: Path, page: Page) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    venv = learner_venv(tmp_path / "venv-learner")
    state = tmp_path / "state"
    env = isolated_env(state, tmp_path / "workspace") | {"PATH": clean_env(venv)["PATH"]}
    port = free_port()
    log = tmp_path / "make-start.log"
    command = [
        "make",
        "start",
        "NO_BROWSER=1",
        f"PORT={port}",
        f"LEARNER_VENV={venv}",
        "LAB_ARGS=--LabApp.expose_app_in_browser=True",  # lets the test read the notebook
        "-o",
        f"{venv}/.installed",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        server = LabServer(clone, state, tmp_path / "workspace", port, "", process, log)
        base = wait_until_ready(server)
        assert base.endswith(f"/lab/tree/{NOTEBOOK}"), f"make start must open notebook 00: {base}"

        page.goto(f"{base}?token={server.token}")  # the address make start printed
        page.wait_for_function("() => !!window.jupyterapp")
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        notebook = Notebook(page, server, NOTEBOOK)
        notebook.wait_for_kernel()  # notebook 00 is open, its kernel answers
        first = next(cell for cell in notebook.cells() if cell.cell_type == "code")
        ran = notebook.run_cells([first.index])[first.index]
        assert ran.execution_count and ran.errors() == [], ran.text()

        # By now a fresh JupyterLab has asked about news; the course's one has not.
        expect(page.locator(".Toastify__toast")).to_have_count(0)
        expect(notebook.toolbar().locator(".validate-button")).to_be_visible()
        panels = page.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
            "(tabs) => tabs.map((tab) => tab.title)"
        )
        assert [title for title in panels if "Create Assignment" in title] == [], panels
        page.locator(".lm-MenuBar-itemLabel").get_by_text("Nbgrader", exact=True).click()
        items = page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel")
        expect(items.get_by_text("Assignment List", exact=True)).to_be_visible()
        assert [label for label in items.all_inner_texts() if label in INSTRUCTOR_ONLY] == []
        screenshot(page, "make-start-learner")
        page.keyboard.press("Escape")

        started = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
        assert any("ipykernel" in _command_line(proc) for proc in started)
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

    assert not all(lab_state(venv).values()), "the learner's environment has every tool"
    course_command(venv, "lab-mode", "instructor")  # the README's one command
    assert all(lab_state(venv).values()), "the instructor tools are not all on"
