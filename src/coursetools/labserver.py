"""A JupyterLab server for end-to-end tests and benchmarks.

``running_lab(root)`` serves ``root`` (a course folder: its working directory,
so nbgrader finds ``nbgrader_config.py``) on 127.0.0.1 at a free port, with a
known token and every piece of per-user state in a throw-away folder: Jupyter
config and runtime files, JupyterLab workspaces and settings, the IPython
profile and the learner's ``COURSE_WORKSPACE``. Nothing of the machine's own
Jupyter set-up leaks in, and nothing the server writes leaks out.

Extensions installed in the environment (``sys.prefix``: nbgrader, ipywidgets)
are still found: only the per-user folders are replaced.

Stopping asks the server to shut down (which shuts its kernels down), then
signals its process group, and finally kills any process it started that is
still alive; :meth:`LabServer.stop` returns what had to be killed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from coursetools import labmode

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0

# The course's quiet settings as user settings too, for an environment set up before them.
QUIET_SETTINGS = {
    plugin.replace(":", "/") + ".jupyterlab-settings": values
    for plugin, values in labmode.QUIET_SETTINGS.items()
}


class LabServerError(RuntimeError):
    """The server did not start or answer; the message carries its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LabServer:
    """A running ``jupyter lab`` process and how to talk to it."""

    root: Path
    state: Path
    workspace: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in_s: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str | None = None, *, reset: bool = True) -> str:
        """The address a browser opens: JupyterLab, optionally at a file, fresh layout."""
        target = f"{self.url}/lab" + (f"/tree/{urllib.parse.quote(path)}" if path else "")
        query = ("reset&" if reset else "") + f"token={self.token}"
        return f"{target}?{query}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def api(self, method: str, path: str, body: object = None, timeout: float = 30) -> Any:
        """Call the server's REST API; returns the decoded JSON answer (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def sessions(self) -> list[dict[str, Any]]:
        return list(self.api("GET", "/api/sessions"))

    def kernel_state(self, notebook_path: str) -> str | None:
        """The execution state the server reports for the kernel of a notebook, if any."""
        for session in self.sessions():
            if session.get("path") == notebook_path and session.get("kernel"):
                kernel = self.api("GET", f"/api/kernels/{session['kernel']['id']}")
                return str(kernel.get("execution_state"))
        return None

    def processes(self) -> list[psutil.Process]:
        """The server and every process it started (kernels run in their own sessions)."""
        try:
            server = psutil.Process(self.process.pid)
            return [server, *server.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> list[str]:
        """Shut the server and its kernels down; returns the processes that had to be killed."""
        if self._stopped:
            return []
        self._stopped = True
        started = self.processes()
        if self.process.poll() is None:
            with suppress(OSError, urllib.error.URLError, ValueError):
                self.api("POST", "/api/shutdown", timeout=timeout)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout / 2)
                except subprocess.TimeoutExpired:
                    _signal_group(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout / 2)
        return kill_survivors(started, timeout=5)


def kill_survivors(processes: list[psutil.Process], timeout: float = 5) -> list[str]:
    """Wait briefly for ``processes`` to end; kill those that do not. Returns their names."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    killed = []
    for proc in alive:
        with suppress(psutil.Error):
            killed.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            proc.kill()
    psutil.wait_procs(alive, timeout=timeout)
    return killed


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(os.getpgid(pid), sig)


def isolated_env(state: Path, workspace: Path) -> dict[str, str]:
    """The environment of the server and its kernels: per-user state under ``state``."""
    env = dict(os.environ)
    for name in ("config", "data", "runtime", "ipython"):
        (state / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        IPYTHONDIR=str(state / "ipython"),
        COURSE_WORKSPACE=str(workspace),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    # The kernel finds tools such as alembic by name in this interpreter's bin/.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def write_settings(settings_dir: Path, settings: dict[str, dict[str, Any]]) -> None:
    for name, values in settings.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=1), encoding="utf-8")


def start_lab(
    root: Path,
    state: Path,
    *,
    workspace: Path | None = None,
    expose_app: bool = True,
    extra_args: tuple[str, ...] = (),
    timeout: float = START_TIMEOUT_S,
) -> LabServer:
    """Start JupyterLab serving ``root``; returns once its API answers."""
    workspace = workspace or state / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    write_settings(state / "settings", QUIET_SETTINGS)
    env = isolated_env(state, workspace)
    last_error = ""
    for attempt in range(3):  # another process may take the free port before the server does
        port = free_port()
        token = secrets.token_hex(16)
        log_path = state / f"jupyterlab-{attempt}.log"
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            f"--LabApp.workspaces_dir={state / 'workspaces'}",
            f"--LabApp.user_settings_dir={state / 'settings'}",
            f"--LabApp.expose_app_in_browser={expose_app}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
            *extra_args,
        ]
        began = time.perf_counter()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = LabServer(root, state, workspace, port, token, process, log_path)
        if _wait_until_ready(server, timeout):
            server.started_in_s = time.perf_counter() - began
            return server
        last_error = server.log()
        server.stop()
        if "already in use" not in last_error:
            break
    raise LabServerError(f"JupyterLab did not start in {timeout:.0f} s:\n{last_error[-4000:]}")


def _wait_until_ready(server: LabServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with suppress(OSError, urllib.error.URLError, ValueError):
            server.api("GET", "/api/status", timeout=5)
            return True
        time.sleep(0.2)
    return False


@contextmanager
def running_lab(root: Path, state: Path, **options: Any) -> Iterator[LabServer]:
    """``start_lab`` as a context manager that always stops the server."""
    server = start_lab(root, state, **options)
    try:
        yield server
    finally:
        server.stop()
