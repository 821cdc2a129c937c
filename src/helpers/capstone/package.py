"""The assembled package and the commands a learner runs on it (see :mod:`helpers.capstone`)."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from helpers.capstone.assembly import Assembly, assemble_into
from helpers.capstone.commands import CapstoneError, CommandResult, clean_environment, run, tidy
from helpers.capstone.requirements import listed
from helpers.capstone.state import REPLACED
from helpers.workspace import (
    PACKAGE,
    WorkspaceError,
    course_root,
    private_workspace,
    saving_enabled,
    use_private_workspace,
    workspace_dir,
)

HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
READY_PATH = "/health"
FACTORY = "lending.app:create_app"
DATABASE_VARIABLE = "LENDING_DATABASE_URL"
TEST_DATABASE_VARIABLE = "LENDING_TEST_DATABASE_URL"

_TEMPORARY: list[tempfile.TemporaryDirectory[str]] = []


def _scratch(prefix: str) -> Path:
    """A new folder, removed when this process exits."""
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    _TEMPORARY.append(folder)
    return Path(folder.name)


@atexit.register
def _remove_scratch() -> None:
    for folder in _TEMPORARY:
        folder.cleanup()


@cache
def _mypy_cache() -> Path:
    return _scratch("lending-mypy-")


def fresh_sqlite_url() -> str:
    """A new SQLite database file in a temporary folder (a file: every process sees it)."""
    return f"sqlite+aiosqlite:///{_scratch('lending-db-')}/lending.db"


@dataclass(frozen=True)
class Package:
    """The learner's package, assembled: ``root`` holds its ``pyproject.toml``."""

    root: Path
    assembly: Assembly

    def __repr__(self) -> str:  # a notebook's last expression: no absolute path in outputs
        return f"Package(root={self.shown_root()!r}, from_reference={self.layers_from_reference})"

    @property
    def layers_from_reference(self) -> tuple[str, ...]:
        return tuple(layer for layer, choice in self.assembly.layers.items() if not choice.yours)

    def describe(self) -> str:
        """One line per layer and project file: yours, or the reference's and why."""
        width = max(len(f"{PACKAGE}.{layer}") for layer in self.assembly.layers)
        lines = [f"Your package, lending-service, in {self.shown_root()}:"]
        for layer, choice in self.assembly.layers.items():
            name = f"{PACKAGE}.{layer}".ljust(width)
            if choice.yours:
                updated = (
                    f", with the reference's {listed(list(choice.updated))} "
                    f"({choice.by} revised {'it' if len(choice.updated) == 1 else 'them'})"
                    if choice.updated
                    else ""
                )
                lines.append(f"  {name}  yours{updated}")
                continue
            line = f"  {name}  from the reference ({choice.reason})"
            if choice.additions:
                line += f", with your {', '.join(choice.additions)}"
            lines.append(line)
        lines += [f"  {self.describe_file(name)}" for name in self.assembly.files]
        own = f"; yours: {', '.join(self.assembly.revisions)}" if self.assembly.revisions else ""
        ours = self.assembly.reference_revisions
        lines.append(f"  migrations: {ours[0]}-{ours[-1]} from the reference{own}")
        if (self.root / REPLACED).is_dir():
            lines.append(f"  (your earlier versions of replaced files are in {REPLACED}/)")
        return "\n".join(lines)

    def describe_file(self, name: str) -> str:
        """Whose project file ``name`` is: yours, or the reference's, why, and your additions."""
        reason = self.assembly.files[name]
        if reason is None:
            return f"{name}: yours"
        if not (self.root / name).is_file():
            return f"{name}: not in the package ({reason})"
        line = f"{name}: the reference's ({reason})"
        additions = self.assembly.file_additions.get(name, ())
        return line + (f", with your {', '.join(additions)}" if additions else "")

    def shown_root(self) -> str:
        """The package's folder as a learner types it: relative to the course's folder, or
        ``$COURSE_WORKSPACE``; the absolute path only when it is neither."""
        private = private_workspace()
        if private is not None and private.resolve() == self.root.resolve():
            return "a private temporary folder (graded: your workspace is not used)"
        configured = os.environ.get("COURSE_WORKSPACE")
        if configured and Path(configured).expanduser().resolve() == self.root.resolve():
            return "$COURSE_WORKSPACE"
        course = course_root()
        if course is not None and self.root.resolve().is_relative_to(course):
            return self.root.resolve().relative_to(course).as_posix()
        return str(self.root)

    # --- the habits -------------------------------------------------------------------------

    def ruff(self) -> CommandResult:
        """``ruff check .`` and ``ruff format --check .``: both must pass."""
        if importlib.util.find_spec("ruff") is None:
            return _not_installed("ruff", "ruff check . && ruff format --check .")
        check = run(self.root, "ruff", ["check", "--no-cache", "."], shown="ruff check .")
        formatted = run(
            self.root,
            "ruff",
            ["format", "--check", "--no-cache", "."],
            shown="ruff format --check .",
        )
        return CommandResult(
            f"{check.command} && {formatted.command}",
            check.ok and formatted.ok,
            f"{check.output}\n{formatted.output}".strip(),
            check.returncode or formatted.returncode,
        )

    def type_check(self) -> CommandResult:
        """``mypy`` in strict mode over ``lending/`` (the package's pyproject.toml says so)."""
        if importlib.util.find_spec("mypy") is None:
            return _not_installed("mypy", "mypy")
        # the cache lives in a temporary folder, shared by this kernel's runs: none in the
        # package, and a second run re-reads the libraries' analysis instead of redoing it
        return run(self.root, "mypy", ["--cache-dir", str(_mypy_cache())], shown="mypy")

    def pytest(
        self,
        database_url: str | None = None,
        *,
        arguments: Sequence[str] = (),
        timeout: float = 600.0,
    ) -> CommandResult:
        """The package's tests under plain ``pytest -q`` (plus ``arguments``, such as one
        test file or ``-k name``); on ``database_url`` (an empty database: the tests create
        the tables), else on a fresh SQLite file."""
        url = database_url or fresh_sqlite_url()
        return run(
            self.root,
            "pytest",
            ["-q", *arguments],
            environment={TEST_DATABASE_VARIABLE: url},
            timeout=timeout,
            shown=" ".join(["pytest -q", *map(shlex.quote, arguments)]),
        )

    def upgrade(self, database_url: str | None = None, *, check: bool = True) -> CommandResult:
        """``alembic upgrade head`` on ``database_url`` (None: a fresh SQLite file). A failure
        is a :class:`CapstoneError` quoting Alembic's output, unless ``check`` is False."""
        url = database_url or fresh_sqlite_url()
        result = run(
            self.root,
            "alembic",
            ["upgrade", "head"],
            environment={DATABASE_VARIABLE: url},
            shown="alembic upgrade head",
        )
        if check and not result.ok:
            raise CapstoneError(f"alembic upgrade head failed:\n{result.output}")
        return result

    def check_migrations(self, database_url: str | None = None) -> CommandResult:
        """``alembic upgrade head`` then ``alembic check``: whether the package's models and
        its migrations' head agree (ok), or what autogenerate would still add."""
        url = database_url or fresh_sqlite_url()
        self.upgrade(url)
        return run(
            self.root,
            "alembic",
            ["check"],
            environment={DATABASE_VARIABLE: url},
            shown="alembic check",
        )

    def create_librarian(
        self, database_url: str, *, name: str, email: str, password: str
    ) -> CommandResult:
        """``python manage.py create-librarian``: the first librarian of a migrated database
        (registering members over HTTP is a librarian's job). The password travels in the
        environment, never on the command line."""
        result = run(
            self.root,
            "manage",
            ["create-librarian", name, email],
            environment={DATABASE_VARIABLE: database_url, "LENDING_LIBRARIAN_PASSWORD": password},
            shown=f"python manage.py create-librarian {shlex.quote(name)} {email}",
        )
        if not result.ok:
            raise CapstoneError(f"creating the librarian failed:\n{result.output}")
        return result

    @contextmanager
    def serve(
        self,
        database_url: str | None = None,
        *,
        port: int | None = None,
        migrate: bool | None = None,
        timeout: float = START_TIMEOUT_S,
    ) -> Iterator[str]:
        """The package's app under uvicorn, in a process of its own, on 127.0.0.1; yields its
        base URL once ``GET /health`` answers, and stops the server when the block ends.

        ``database_url`` None is a fresh SQLite file, migrated first; ``migrate`` (default:
        only for that fresh file) runs ``alembic upgrade head`` before the server starts.
        ``port`` None takes a free one.
        """
        url = database_url or fresh_sqlite_url()
        if migrate if migrate is not None else database_url is None:
            self.upgrade(url)
        chosen = _free_port() if port is None else _checked_port(port)
        command = [
            sys.executable, "-m", "uvicorn", "--factory", FACTORY,
            "--host", HOST, "--port", str(chosen), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                command,
                cwd=self.root,
                env=clean_environment({DATABASE_VARIABLE: url}),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base_url = f"http://{HOST}:{chosen}"
            try:
                self._wait_until_ready(process, base_url, log, timeout)
                yield base_url
            finally:
                _stop(process)

    def _wait_until_ready(
        self, process: subprocess.Popen[bytes], base_url: str, log: IO[bytes], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CapstoneError(
                    f"the server stopped (exit code {process.returncode}) before it answered:\n"
                    + self._log_tail(log)
                )
            try:
                with urllib.request.urlopen(base_url + READY_PATH, timeout=2):  # 127.0.0.1 only
                    return
            except urllib.error.HTTPError:
                return  # it answered, if not with a 200 (a 503 says the database is down)
            except OSError:
                time.sleep(0.1)
        raise CapstoneError(
            f"the server did not answer {READY_PATH} within {timeout:.0f} s; its output:\n"
            + self._log_tail(log)
        )

    def _log_tail(self, log: IO[bytes]) -> str:
        log.seek(0)
        return tidy(log.read().decode(errors="replace"), self.root, lines=30)

    def terminal_commands(self, database_url: str | None = None) -> str:
        """The same commands for a terminal (from the course's folder, in the course's
        environment)."""
        url = database_url or "sqlite+aiosqlite:///./lending.db"
        private = private_workspace()
        graded = private is not None and private.resolve() == self.root.resolve()
        folder = str(self.root) if graded else self.shown_root()
        return "\n".join(
            [
                f'cd "{folder}"' if folder.startswith("$") else f"cd {shlex.quote(folder)}",
                f"export {DATABASE_VARIABLE}={shlex.quote(url)}",
                "ruff check . && ruff format --check .",
                "mypy",
                "pytest",
                "alembic upgrade head",
                "alembic check   # the models and the migrations agree",
                'LENDING_LIBRARIAN_PASSWORD="choose one" '
                "python manage.py create-librarian 'Ada Lovelace' ada@example.org",
                f"uvicorn --factory {FACTORY} --port 8000   # Ctrl+C stops it",
            ]
        )


def _not_installed(tool: str, command: str) -> CommandResult:
    return CommandResult(
        command,
        False,
        f"{tool} is not installed in this environment: install the course's tools "
        f"(pip install {tool}) and run this again",
        127,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _checked_port(port: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise CapstoneError(
                f"port {port} is busy: another program listens on it. Stop that program, or "
                "call serve() without port= to take a free port"
            ) from exc
    return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn then runs the app's shutdown), and SIGKILL if it takes too long."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assemble(workspace: Path | None = None, *, answers: bool = False) -> Package:
    """The learner's workspace (``workspace``, else the course's) made a whole package, in
    place. Under nbgrader, a private temporary folder instead, from the reference and this
    kernel's own workspace cells (the setup cell makes later cells save there).

    ``answers`` (the course's own tests only, with a folder of their own) fills every gap
    with notebook 11's reference versions and revisions too: the whole answer key."""
    if workspace is None and not saving_enabled():
        workspace = _private_workspace()
    root = (workspace or workspace_dir()).expanduser().resolve()
    try:
        assembly = assemble_into(root, answers=answers)
    except OSError as exc:
        raise CapstoneError(f"your package in {root} cannot be written: {exc}") from exc
    except WorkspaceError as exc:
        raise CapstoneError(f"your package in {root} cannot be assembled: {exc}") from exc
    return Package(root, assembly)


def _private_workspace() -> Path:
    existing = private_workspace()
    if existing is not None:
        return existing
    folder = _scratch("lending-capstone-") / "workspace"
    use_private_workspace(folder)
    return folder
