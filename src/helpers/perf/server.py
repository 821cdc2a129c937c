"""Serve an app over real HTTP on 127.0.0.1 for as long as a ``with`` block lasts.

:func:`serving` runs uvicorn in a thread of this process (the notebook's way: the app
object is yours, routes defined in a cell included); :func:`serving_process` runs it in
a process of its own from an app factory (the benchmark's way: the server then has a
core to itself and shares no interpreter lock with the load generator). Either binds a
free port first, so no two runs collide, and stops the server at the end of the block,
whatever happens inside it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with _bound_socket() as sock:
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """``app`` served by uvicorn (one worker, in a thread); yields its base URL."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="critical", access_log=False, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # uvicorn exits (SystemExit) when the lifespan fails
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                why = f": {type(failures[0]).__name__} {failures[0]}" if failures else ""
                raise RuntimeError(f"the server did not start (its lifespan failed?){why}")
            time.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT_S)
        sock.close()


@contextmanager
def serving_process(
    factory: str, *, env: Mapping[str, str] | None = None, ready_path: str = "/"
) -> Iterator[str]:
    """The app that ``factory`` (``"module:function"``) makes, served by uvicorn in a
    process of its own; yields its base URL once ``ready_path`` answers.

    The server's own output goes to a temporary file, quoted if it fails to start.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", HOST, "--port", str(port),
        "--workers", "1", "--log-level", "error", "--no-access-log",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://{HOST}:{port}"
        try:
            _wait_until_ready(process, url + ready_path, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # 127.0.0.1 only
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with a 200
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not answer {url} within {START_TIMEOUT_S:.0f} s")
