"""What student code can see and do inside the sandbox (as root on Linux, like CI).

One notebook probes its surroundings and prints a JSON report; each test
asserts one property of it. A second notebook leaves detached processes behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coursetools.grading.execute import execute_job
from coursetools.grading.jobs import ANSWER, CellPlan, ExecJob, ExecResult
from coursetools.grading.limits import GiB, Limits
from coursetools.grading.record import regular_files
from coursetools.grading.sandbox.paths import python_paths
from coursetools.grading.sandbox.zygote_client import zygote

pytestmark = pytest.mark.skipif(
    not (os.name == "posix" and os.geteuid() == 0), reason="full isolation needs root on Linux"
)

PROBE = r"""
import json, os, socket, subprocess, sys

def attempt(action):
    try:
        return repr(action())[:200]
    except BaseException as exc:
        return type(exc).__name__

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return line.split()[1]

def connect(host):
    with socket.create_connection((host, 53), timeout=2):
        return "connected"

def audit_hook():
    hits = []
    sys.addaudithook(lambda event, args: hits.append(event))
    open("/dev/null").close()
    return "added" if hits else "refused"

def child_uid():
    return subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip()

def loopback():
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
    with socket.create_connection(server.getsockname(), timeout=2):
        return "connected"

report = {
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "cap_eff": status("CapEff"), "no_new_privs": status("NoNewPrivs"),
    "cwd": os.getcwd(), "work_files": sorted(os.listdir(".")),
    "root": sorted(os.listdir("/")),
    "course_visible": os.path.exists(COURSE), "course_parent": attempt(lambda: os.listdir(PARENT)),
    "home_root": attempt(lambda: os.listdir("/root")),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "env": sorted(os.environ),
    "nbgrader_execution": os.environ.get("NBGRADER_EXECUTION"),
    "internet": attempt(lambda: connect("1.1.1.1")),
    "loopback": attempt(loopback),
    "memory": attempt(lambda: len(bytearray(8 * 2**30))),
    "write_venv": attempt(lambda: open(sys.prefix + "/planted.txt", "w")),
    "write_root": attempt(lambda: open("/planted.txt", "w")),
    "ctypes": attempt(lambda: __import__("ctypes").CDLL(None).getpid()),
    "settrace": attempt(lambda: sys.settrace(lambda *a: None)),
    "getframe": attempt(lambda: sys._getframe()),
    "gc": attempt(lambda: __import__("gc").get_referrers(sys)),
    "own_memory": attempt(lambda: open("/proc/self/mem", "rb")),
    "init_memory": attempt(lambda: open("/proc/1/environ", "rb").read()),
    "audit_hook": attempt(audit_hook),
    "code": attempt(lambda: attempt.__code__),
    "sudo": attempt(child_uid),
}
print("REPORT" + json.dumps(report))
"""


# What a jail's root may hold besides the folders of the Python installation.
SYSTEM_TOP = {
    "bin",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "proc",
    "run",
    "sbin",
    "tmp",
    "usr",
}


def _installation_tops() -> set[str]:
    """Top-level folders of the interpreter and its packages, wherever the course was cloned."""
    return {Path(path).parts[1] for path in python_paths() if len(Path(path).parts) > 1}


def _job(name: str, *sources: str, forbidden: tuple[str, ...] = (), **files: bytes) -> ExecJob:
    cells = tuple(
        CellPlan(i, ANSWER, source, label=f"cell {i}") for i, source in enumerate(sources)
    )
    limits = Limits(cell_timeout=30.0, notebook_timeout=90.0, memory_bytes=2 * GiB)
    return ExecJob(name, cells, dict(files), "probe", limits, forbidden=forbidden)


def _stdout(result: ExecResult) -> str:
    return "".join(
        output.get("text", "")
        for cell in result.cells.values()
        for output in cell.outputs
        if output.get("name") == "stdout"
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    course = tmp_path_factory.mktemp("course-secret")
    (course / "gradebook.db").write_text("secret")
    source = PROBE.replace("COURSE", repr(str(course))).replace("PARENT", repr(str(course.parent)))
    job = _job("probe", source, forbidden=(str(course),), **{"data/books.csv": b"id\n1\n"})
    result = execute_job(job)
    assert result.error is None
    text = _stdout(result)
    assert "REPORT" in text, result
    return dict(json.loads(text.split("REPORT", 1)[1].splitlines()[0]))


@pytest.mark.timeout(120)
def test_the_kernel_runs_as_an_unprivileged_private_uid(report: dict[str, Any]) -> None:
    assert report["uid"] >= 1_000_000 and report["gid"] == report["uid"]
    assert report["groups"] == []
    assert report["cap_eff"] == "0000000000000000"
    assert report["no_new_privs"] == "1"
    assert report["sudo"] == repr(str(report["uid"]))


@pytest.mark.timeout(120)
def test_only_the_notebook_files_and_the_python_installation_are_visible(
    report: dict[str, Any],
) -> None:
    assert report["cwd"] == "/home/grader/probe"
    assert report["work_files"] == ["data"]
    assert report["course_visible"] is False
    assert (
        report["course_parent"] == "FileNotFoundError"
        or "course-secret" not in report["course_parent"]
    )
    assert (
        report["home_root"] in ("FileNotFoundError", "PermissionError", "[]")
        or ".pyenv" in report["home_root"]
    )
    assert set(report["root"]) <= SYSTEM_TOP | _installation_tops(), report["root"]


@pytest.mark.timeout(120)
def test_the_installation_is_read_only(report: dict[str, Any]) -> None:
    assert report["write_venv"] in ("OSError", "PermissionError")
    assert report["write_root"] in ("OSError", "PermissionError")


@pytest.mark.timeout(120)
def test_processes_network_and_memory_are_private_and_bounded(report: dict[str, Any]) -> None:
    assert report["processes"][:2] == [1, 2] and len(report["processes"]) < 10
    assert report["internet"] == "OSError"
    assert report["loopback"] == repr("connected")
    assert report["memory"] == "MemoryError"


@pytest.mark.timeout(120)
def test_the_environment_holds_nothing_of_the_grader(report: dict[str, Any]) -> None:
    assert report["nbgrader_execution"] == "autograde"
    assert not [name for name in report["env"] if "KEY" in name or name.startswith("GRADER")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("probe", ["ctypes", "settrace", "getframe", "gc", "own_memory", "code"])
def test_the_audit_hook_refuses_low_level_access(report: dict[str, Any], probe: str) -> None:
    assert report[probe] == "PermissionError"


@pytest.mark.timeout(120)
def test_no_other_audit_hook_can_be_added(report: dict[str, Any]) -> None:
    assert report["audit_hook"] == repr("refused")


@pytest.mark.timeout(120)
def test_init_is_out_of_reach(report: dict[str, Any]) -> None:
    assert report["init_memory"] in ("PermissionError", "FileNotFoundError")


@pytest.mark.timeout(120)
def test_every_process_ends_with_the_notebook() -> None:
    marker = "4242.125"
    source = (
        "import os, subprocess\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        f"subprocess.Popen(['sh', '-c', '(setsid sleep {marker} &); exit 0'])\n"
        "print('spawned')"
    )
    result = execute_job(_job("detached", source))
    assert "spawned" in _stdout(result)
    assert not [
        p
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _cmdline(p) and marker in _cmdline(p)
    ]


def _cmdline(process: Path) -> str:
    try:
        return (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.timeout(120)
def test_the_zygote_reports_what_works_here() -> None:
    capability = zygote().capability
    assert capability.jailed and capability.private_uid
    assert any("PID namespace" in m for m in capability.mechanisms)
    assert any("cgroups" in w for w in capability.warnings)


def test_staged_files_never_follow_symlinks(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "passwd").symlink_to("/etc/passwd")
    (tmp_path / "linked-dir").symlink_to("/etc")
    (tmp_path / "copy.ipynb").write_text("{}")
    assert sorted(regular_files(tmp_path, [])) == ["notes.txt"]


@pytest.mark.timeout(180)
def test_without_namespaces_the_grader_degrades_loudly_and_still_ends_processes(
    tmp_path: Path,
) -> None:
    marker = "4343.375"
    script = f"""
import os, sys
os.environ["COURSETOOLS_GRADING_ISOLATION"] = "none"
from coursetools.grading.execute import execute_job
from coursetools.grading.jobs import ANSWER, CellPlan, ExecJob
from coursetools.grading.limits import Limits
spawn = "import subprocess\\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)"
cells = (
    CellPlan(0, ANSWER, spawn),
    CellPlan(1, ANSWER, "print('still here')"),
)
result = execute_job(ExecJob("plain", cells, {{}}, "plain", Limits(cell_timeout=30)))
print("WARNINGS", result.warnings)
print("OUT", [o.get("text") for c in result.cells.values() for o in c.outputs])
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=150, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "NOT isolated" in done.stdout
    assert "still here" in done.stdout
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker in _cmdline(p)]


def test_no_exposed_path_contains_course_data(tmp_path: Path) -> None:
    from coursetools.grading.sandbox.paths import python_paths, readonly_paths

    exposed = readonly_paths((str(tmp_path),))
    assert not [p for p in exposed if str(tmp_path).startswith(p.rstrip("/") + "/")]
    inside = python_paths()[-1]  # e.g. the course's src/ folder: refused if it holds data
    assert inside not in readonly_paths((inside + "/data",))
    assert "/usr" in exposed
