"""The assembled package run for real: ruff, mypy, pytest, alembic and uvicorn, each in a
process of its own in the package's folder, as a learner runs them in a terminal.

The package is that of a learner who did only notebooks 03 and 07 (the issue's "done
when"): it must serve over real HTTP and pass its tests. One package serves the module.
"""

from __future__ import annotations

import importlib.util
import socket
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from coursetools.postgres import empty_database
from helpers.capstone import CapstoneError, CommandResult, Package, assemble
from helpers.capstone.commands import tidy
from helpers.capstone.package import fresh_sqlite_url

from .conftest import learners_workspace

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    root = tmp_path_factory.mktemp("learner") / "workspace"
    return assemble(learners_workspace(root, ["03-repositories", "07-testing"]))


@pytest.fixture(scope="module")
def answer_key(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """The reference as a package, notebook 11's own versions and revisions included."""
    return assemble(tmp_path_factory.mktemp("answers") / "workspace", answers=True)


def servers() -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process().children(recursive=True)
        if "uvicorn" in " ".join(child.cmdline())
    ]


def answers(base_url: str) -> bool:
    address = urlsplit(base_url)
    with socket.socket() as sock:
        return sock.connect_ex((str(address.hostname), int(address.port or 0))) == 0


def test_ruff_passes_on_the_assembled_package(package: Package) -> None:
    result = package.ruff()
    assert result.ok, result
    assert result.command == "ruff check . && ruff format --check ."


def test_the_type_checker_runs_and_reports(package: Package, answer_key: Package) -> None:
    checked = answer_key.type_check()
    assert checked.ok, checked
    result = package.type_check()  # notebook 07's cells carry no ignore for _env_file
    assert result.command == "mypy"
    assert result.summary.startswith(("Success: no issues found", "Found ")), result


def test_the_tests_pass_under_plain_pytest(package: Package) -> None:
    result = package.pytest()
    assert result.ok, result
    assert result.summary == "33 passed", result
    assert str(package.root) not in result.output
    one = package.pytest(arguments=["-k", "TestLoanLimit"])
    assert (one.command, one.summary) == ("pytest -q -k TestLoanLimit", "6 passed, 27 deselected")


def test_the_answer_key_passes_its_tests_and_its_models_match_its_migrations(
    answer_key: Package,
) -> None:
    assert answer_key.pytest().ok
    result = answer_key.check_migrations()
    assert result.ok and "No new upgrade operations detected" in result.output, result


def test_migrations_reach_head(package: Package, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/library.db"
    result = package.upgrade(url)
    assert result.ok and "Running upgrade 0003 -> 0004" in result.output
    with sqlite3.connect(tmp_path / "library.db") as database:
        assert database.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]


def test_the_models_and_the_migrations_agree(
    package: Package, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = package.check_migrations()
    assert result.ok and "No new upgrade operations detected" in result.output, result
    # a learner who did everything: their 02 models, brought up to date with 08's columns
    everyone = assemble(learners_workspace(tmp_path_factory.mktemp("all") / "workspace"))
    assert everyone.assembly.layers["models"].yours
    result = everyone.check_migrations()
    assert result.ok and "No new upgrade operations detected" in result.output, result


def test_the_service_answers_over_http_and_stops(package: Package) -> None:
    url = fresh_sqlite_url()
    package.upgrade(url)
    package.create_librarian(url, name="Ada Lovelace", email="ada@example.org", password="x" * 16)
    with package.serve(url) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        assert servers(), "no uvicorn process while serving"
        token = http.post("/token", data={"username": "ada@example.org", "password": "x" * 16})
        assert token.status_code == 200, token.text
        signed_in = {"Authorization": f"Bearer {token.json()['access_token']}"}
        author = http.post("/authors", json={"name": "Ursula K. Le Guin"}, headers=signed_in)
        book = {"title": "The Dispossessed", "isbn": "9780061054884", "year": 1974}
        created = http.post("/books", json=book | {"author_id": author.json()["id"]})
        assert created.status_code == 401  # no token: the problem, not the book
        assert created.headers["content-type"] == "application/problem+json"
        book_id = http.post(
            "/books", json=book | {"author_id": author.json()["id"]}, headers=signed_in
        ).json()["id"]
        member = http.post(
            "/members", json={"name": "Grace", "email": "grace@example.org"}, headers=signed_in
        ).json()
        loan = http.post(
            f"/members/{member['id']}/loans", json={"book_id": book_id}, headers=signed_in
        )
        assert loan.status_code == 201, loan.text
        again = http.post(
            f"/members/{member['id']}/loans", json={"book_id": book_id}, headers=signed_in
        )
        assert (again.status_code, again.json()["code"]) == (409, "already_borrowed")
        returned = http.post(f"/loans/{loan.json()['id']}/return", headers=signed_in)
        assert returned.status_code == 200 and returned.json()["returned_at"]
    assert not servers(), "the server outlived its block"
    assert not answers(base_url)


def test_a_fresh_database_is_migrated_and_a_failing_block_still_stops_the_server(
    package: Package,
) -> None:
    with pytest.raises(LookupError), package.serve() as base_url:
        assert httpx.get(f"{base_url}/books", timeout=30).json() == []
        raise LookupError
    assert not servers() and not answers(base_url)


def test_a_busy_port_is_a_clear_error(package: Package) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CapstoneError, match=f"port {port} is busy"), package.serve(port=port):
            pass


def test_a_server_that_cannot_start_is_a_clear_error(package: Package) -> None:
    with (
        pytest.raises(CapstoneError, match=r"the server stopped \(exit code \d+\) before"),
        package.serve("nosuchdriver://nowhere", migrate=False, timeout=60),
    ):
        pass
    assert not servers()


def test_a_failed_migration_is_a_clear_error_with_alembics_output(package: Package) -> None:
    with pytest.raises(CapstoneError, match="alembic upgrade head failed:") as failure:
        package.upgrade("sqlite+aiosqlite:////nonexistent/folder/library.db")
    assert "unable to open database file" in str(failure.value)
    result = package.upgrade("sqlite+aiosqlite:////nonexistent/folder/x.db", check=False)
    assert isinstance(result, CommandResult) and not result.ok


def test_the_package_shows_no_absolute_path(
    package: Package, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_WORKSPACE", str(package.root))
    assert repr(package).startswith("Package(root='$COURSE_WORKSPACE', from_reference=(")
    assert str(package.root) not in package.describe() + package.terminal_commands()
    assert 'cd "$COURSE_WORKSPACE"' in package.terminal_commands()


def test_the_terminal_commands_are_the_same_commands(package: Package) -> None:
    commands = package.terminal_commands()
    for line in ("alembic upgrade head", "pytest", "mypy", "ruff check . && ruff format --check ."):
        assert line in commands.splitlines()
    assert "uvicorn --factory lending.app:create_app" in commands


# --- PostgreSQL: the same commands, by one setting ------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_on_postgresql_migrations_reach_head_and_the_service_answers(
    package: Package, postgres_base_url: str
) -> None:
    url = await empty_database(postgres_base_url)
    assert "Running upgrade 0003 -> 0004" in package.upgrade(url).output
    package.create_librarian(url, name="Ada", email="ada@example.org", password="y" * 16)
    async with httpx.AsyncClient(timeout=30) as http:
        with package.serve(url) as base_url:
            token = await http.post(
                f"{base_url}/token", data={"username": "ada@example.org", "password": "y" * 16}
            )
            assert token.status_code == 200, token.text
            assert (await http.get(f"{base_url}/health")).json() == {"status": "ok"}


@pytest.mark.anyio
async def test_on_postgresql_the_tests_pass(package: Package, postgres_base_url: str) -> None:
    result = package.pytest(await empty_database(postgres_base_url))
    assert result.ok, result
    assert result.summary == "33 passed"


def test_a_missing_tool_is_said_in_words(package: Package, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mypy" else real(name, *a)
    )
    result = package.type_check()
    assert not result.ok
    assert result.output.startswith("mypy is not installed in this environment")


def test_output_names_no_absolute_folder_and_the_summary_no_duration(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    temporary = tempfile.gettempdir()
    text = f"{root}/lending/models.py:3: error\nsee {temporary}/x.db\n== 3 passed in 1.25s =="
    shown = tidy(text, root)
    assert shown.splitlines()[0] == "lending/models.py:3: error"
    assert "<tmp>/x.db" in shown
    assert CommandResult("pytest -q", True, shown).summary == "3 passed"
    long = tidy("\n".join(str(n) for n in range(200)), root)
    assert long.splitlines()[0] == "... (120 lines above not shown)" and long.endswith("199")
