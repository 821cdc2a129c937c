"""Start jailed kernels quickly by forking them from a process that has them loaded.

``python -m coursetools.grading.sandbox.zygote`` imports the kernel's modules
once (ipykernel, IPython, the course's ``helpers``, and any extra modules a
request names) and then, for each request read from stdin (a
:class:`~.spec.KernelSpec` as one JSON line), forks::

    zygote (root, never runs notebook code; a child subreaper)
    └── keeper: unshares the namespaces, waits for init
        └── init, PID 1 of the new PID namespace: builds the jail, reaps orphans
            └── kernel: limits, unprivileged uid, no new privileges, not dumpable

and answers with init's host PID. Killing init ends the PID namespace, so every
process the notebook started, detached or not, ends with it. The zygote ends
when its stdin closes (the grading worker is gone); parent-death signals then
end every keeper, init and kernel below it.
A fork costs milliseconds where starting Python and ipykernel costs a second.
The zygote also snapshots, once, what the kernels' guard protects in those
modules (a kernel checks the snapshots instead of taking them), and freezes
its objects out of the garbage collector's reach, so that a kernel's
collections do not copy the memory it shares with the zygote.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import random
import select
import signal
import sys
import warnings

from coursetools.grading.sandbox import jail, linux, plain
from coursetools.grading.sandbox.spec import KernelSpec

DEFAULT_PRELOAD = (  # what starting a kernel imports (debugpy alone costs half a second)
    "coursetools.grading.kernel.app",
    "ipykernel.kernelapp",
    "ipykernel.debugger",
    "ipykernel.zmqshell",
    "ipykernel.iostream",
    "ipykernel.heartbeat",
    "ipykernel.parentpoller",
    "ipykernel.eventloops",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.core.ultratb",
    "IPython.core.completerlib",  # these, a kernel imports as it starts or runs its first cell
    "IPython.core.debugger",
    "IPython.core.logger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "tornado.platform.asyncio",
    "runpy",
    "stack_data",  # the first traceback of a kernel imports these (half a second)
    "executing",
    "pure_eval",
    "asttokens",
    "faulthandler",
    "psutil",
    "pdb",
    "pydoc",
    "helpers",
    "helpers.checks",
    "helpers.notebook",
    "helpers.checkpoint",
    "helpers.workspace",
    "helpers.progress",
    "helpers.catalogue",
    "aiosqlite",  # what the course's service imports only when it runs: SQLite's async driver,
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "email_validator",  # and pydantic's e-mail validation
    "pydantic.networks",
)
REPLY_TIMEOUT = 60.0
DEBUG = bool(os.environ.get("COURSETOOLS_GRADING_DEBUG"))  # kernels keep stderr
FORCE_PLAIN = "COURSETOOLS_GRADING_ISOLATION"  # "none": behave as if namespaces were missing


_tried: set[str] = set()  # modules preload has imported or failed to: each is tried once


def preload(modules: tuple[str, ...] | list[str]) -> None:
    """Import ``modules`` now (missing or failing ones are skipped: the kernel will say),
    and snapshot what the kernels' guard protects in them (it checks, not takes, them).

    A module is tried once: a notebook's own package (the learner's ``lending``)
    is not importable here, and looking for it again costs every spawn 20 ms.
    """
    new = [name for name in modules if name not in _tried]
    if not new:
        return
    _tried.update(new)
    for name in new:
        if name in sys.modules:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                importlib.import_module(name)
            except Exception:  # a module the notebook imports may not exist here
                continue
    from coursetools.grading.kernel import guard

    guard.preseal()


def _report(fd: int, text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, (text.replace("\n", " ") + "\n").encode())


def _kernel(spec: KernelSpec) -> None:
    """The kernel process: confine, drop privileges, run the grading kernel."""
    try:
        os.setsid()
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1) if DEBUG else (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 65536)
        spec.limits.apply(processes=spec.jail.uid != 0)
        if spec.user_namespace:
            linux.drop_capabilities()
        elif spec.jail.uid:
            os.setgroups([])
            os.setgid(spec.jail.gid)
            os.setuid(spec.jail.uid)
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        linux.prctl(linux.PR_SET_DUMPABLE, 0)
        os.chdir(spec.jail.workdir)
        os.environ.clear()
        os.environ.update(spec.env)
        random.seed()
        from coursetools.grading.kernel import app

        key = bytes.fromhex(spec.key_hex)
        argv = ["-f", spec.connection_file, *spec.kernel_args]
        del spec
        app.main(argv, key=key)
    except BaseException:
        if DEBUG:
            import traceback

            traceback.print_exc()
        raise
    finally:
        os._exit(0)


def _init(spec: KernelSpec, report: int) -> None:
    """PID 1 of the new namespace: build the jail, start the kernel, reap."""
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        jail.build(spec.jail, json.dumps(spec.connection))
        jail.loopback_up()
        kernel = os.fork()
        if kernel == 0:
            os.close(report)
            _kernel(spec)
        _report(report, "ready")
        os.close(report)
        while True:
            pid, _ = os.wait()
            if pid == kernel:
                break
    except ChildProcessError:
        pass
    except BaseException as exc:
        _report(report, f"error {type(exc).__name__}: {exc}")
    finally:
        os._exit(0)


def _keeper(spec: KernelSpec, report: int, zygote: int) -> None:
    """Unshare the namespaces, fork init, wait for it (no namespaces: fork the kernel)."""
    try:
        os.setsid()
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != zygote:
            return
        if spec.jailed:
            jail.enter_namespaces(spec.user_namespace)
        else:
            linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)  # orphans come back here
        init = os.fork()
        if init == 0:
            if spec.jailed:
                _init(spec, report)
            os.close(report)
            _kernel(spec)
        _report(report, f"pid {init}")
        if not spec.jailed:
            _report(report, "ready")  # no jail to build: init is the kernel itself
        os.close(report)
        while True:
            try:
                os.waitpid(init, 0)
                break
            except ChildProcessError:
                break
            except InterruptedError:
                continue
        if not spec.jailed:
            plain.end_orphans()
    except BaseException as exc:
        _report(report, f"error {type(exc).__name__}: {exc}")
    finally:
        os._exit(0)


def spawn(spec: KernelSpec) -> dict[str, object]:
    """Fork a jailed kernel; ``{"pid": init's PID}`` or ``{"error": why}``."""
    preload(spec.preload)
    gc.freeze()  # the kernel's collector never walks, so never copies, what it inherits
    read, write = os.pipe()
    zygote = os.getpid()
    if os.fork() == 0:
        os.close(read)
        _keeper(spec, write, zygote)
    os.close(write)
    try:
        return started(read)
    finally:
        os.close(read)


def started(read: int) -> dict[str, object]:
    """Read a new sandbox's report from ``read``: ``{"pid": ...}`` or ``{"error": ...}``.

    The keeper writes "pid N" and init writes "ready", in either order: init
    may finish building the jail before the keeper is scheduled again.
    """
    pid: int | None = None
    jail_ready = False
    buffer = b""
    while True:
        readable, _, _ = select.select([read], [], [], REPLY_TIMEOUT)
        chunk = os.read(read, 4096) if readable else b""
        if not chunk:
            return {"error": "the sandbox did not start (no answer from it)"}
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode(errors="replace")
            if text.startswith("pid "):
                pid = int(text[4:])
            elif text == "ready":
                jail_ready = True
            elif text.startswith("error "):
                return {"error": text[6:]}
            if pid is not None and jail_ready:
                return {"pid": pid}


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _namespaces_work(root: bool) -> bool:
    if os.environ.get(FORCE_PLAIN) == "none":
        return False
    pid = os.fork()
    if pid == 0:
        try:
            jail.enter_namespaces(user_namespace=not root)
            linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def probe() -> dict[str, object]:
    """Which isolation mechanisms work here: try them in a throw-away child."""
    root = os.geteuid() == 0
    mechanisms: list[str] = []
    warnings_: list[str] = []
    works = _namespaces_work(root)
    if works:
        mechanisms += [
            "PID namespace (every process ends with the notebook)",
            "mount namespace with a minimal read-only root (no course files visible)",
            "network namespace (loopback only)",
            "IPC and UTS namespaces",
        ]
        if root:
            mechanisms.append("a private unprivileged uid per kernel, no supplementary groups")
        else:
            mechanisms.append("user namespace: the kernel keeps your uid, without capabilities")
            warnings_.append(
                "not running as root: the kernel runs as your own user inside a user namespace; "
                "the per-kernel process limit (RLIMIT_NPROC) is not applied"
            )
    else:
        warnings_.append(
            "Linux namespaces are unavailable (or COURSETOOLS_GRADING_ISOLATION=none): kernels are "
            "NOT isolated from files their uid can read (course files that are world-readable "
            "included), nor from the network; detached processes are ended through a child "
            "subreaper (and a private uid, as root). Grade on Linux as root for full isolation."
        )
        if root and plain.installation_shared():
            mechanisms.append("a private unprivileged uid per kernel (no namespaces)")
        else:
            warnings_.append(
                "kernels run as the grading user itself: every file it can read is exposed"
            )
    mechanisms += [
        "resource limits: address space, file size, open files, CPU time, no core dumps",
        "no_new_privs, not dumpable, oom_score_adj 1000",
        "audit hook, grader-restored IPython pipeline, signed test results",
    ]
    warnings_.append(
        "cgroups are not used: total memory is bounded per process (RLIMIT_AS), not per notebook"
    )
    return {
        "jailed": works,
        "private_uid": root and (works or plain.installation_shared()),
        "user_namespace": works and not root,
        "mechanisms": mechanisms,
        "warnings": warnings_,
    }


def serve() -> None:
    """Answer spawn requests from stdin until it closes."""
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    preload(DEFAULT_PRELOAD)
    sys.stdout.write(json.dumps(probe()) + "\n")
    sys.stdout.flush()
    stdin = sys.stdin.fileno()
    buffer = b""
    while True:
        _reap()
        ready, _, _ = select.select([stdin], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(stdin, 1 << 16)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            try:
                reply = spawn(KernelSpec.from_json(request["spec"]))
            except Exception as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps({"id": request["id"], **reply}) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    serve()
