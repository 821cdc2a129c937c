"""A throwaway PostgreSQL server in a temporary folder, for tests and benchmarks.

The course runs on SQLite wherever a learner goes; PostgreSQL is one setting
away (``LENDING_DATABASE_URL=postgresql+asyncpg://...``). To prove that, the
course's tests start a real server of their own: ``initdb`` into a temporary
folder, ``pg_ctl start`` on a free port of 127.0.0.1, one fresh database per
test, and the whole folder removed on stop. Nothing is installed or configured
on the machine, and no server outside the run is touched.

Binaries are found on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin``.
PostgreSQL refuses to run as root; as root, the server runs as the ``postgres``
system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

USER = "lending"
TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No server can be started here; the message says why and what would fix it."""


def find_bin() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``createdb``."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    candidates += [Path(p) for p in versions]
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "createdb")):
            return folder
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql: "
        "install Debian's `postgresql` package (.ci/run does) or point "
        "LENDING_TEST_POSTGRES_URL at a server"
    )


def _version(path: str) -> int:
    part = Path(path).parent.name
    return int(part) if part.isdigit() else 0


def _runner() -> pwd.struct_passwd | None:
    """The user the server runs as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "PostgreSQL does not run as root and there is no `postgres` user to run it as"
        ) from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    """``with ThrowawayPostgres() as server: url = server.create_database()``."""

    folder: Path | None = None
    port: int = 0
    _bin: Path = field(init=False, repr=False)
    _user: pwd.struct_passwd | None = field(init=False, default=None, repr=False)
    _names: itertools.count[int] = field(init=False, default_factory=itertools.count)
    _running: bool = field(init=False, default=False)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._bin = find_bin()
        self._user = _runner()
        self.folder = Path(tempfile.mkdtemp(prefix="course-postgres-"))
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        data, sockets = self.folder / "data", self.folder / "sockets"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self._run("mkdir", str(sockets), tool_from_path=True)
        self.port = _free_port()
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-k {sockets}",
                "-c fsync=off",  # a test database need not survive a power cut
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"),
                  "-w", "-t", str(TIMEOUT_S), "start")  # fmt: skip
        self._running = True

    @property
    def base_url(self) -> str:
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's main process (``postmaster.pid``); each connection is a child of it."""
        if self.folder is None or not self._running:
            raise RuntimeError("the server is not running")
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def create_database(self, prefix: str = "test") -> str:
        """A new, empty database; returns its SQLAlchemy async URL."""
        name = f"{prefix}_{next(self._names)}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return f"{self.base_url}/{name}"

    def stop(self) -> None:
        """Stop the server at once and delete its folder; safe to call twice."""
        if self.folder is None:
            return
        if self._running:
            data = str(self.folder / "data")
            self._run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
            self._running = False
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def log(self) -> str:
        path = self.folder / "server.log" if self.folder else None
        return path.read_text(errors="replace") if path and path.is_file() else ""

    def _run(self, tool: str, *args: str, check: bool = True, tool_from_path: bool = False) -> None:
        command = [tool if tool_from_path else str(self._bin / tool), *args]
        user = self._user
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            cwd=self.folder,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
        if check and done.returncode != 0:
            raise PostgresUnavailable(
                f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                + (f"\nserver log:\n{self.log()}" if tool == "pg_ctl" else "")
            )


async def empty_database(url: str) -> str:
    """Drop everything in ``url``'s database (a fresh ``public`` schema); returns ``url``."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return url
