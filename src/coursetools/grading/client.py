"""Talk to one sandboxed kernel: wait until it answers, run cells, collect outputs.

A plain ZeroMQ client (no threads, explicit deadlines) built on
:class:`jupyter_client.session.Session`. Replies to trusted cells are accepted
only with a valid proof (:mod:`coursetools.grading.proof`); a forged or missing
one leaves the cell without a verified reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq
from jupyter_client.session import Session

from coursetools.grading import proof
from coursetools.grading.outputs import Budget, CellOutputs

IOPUB_GRACE = 3.0  # seconds to wait for a cell's last outputs after its reply
POLL_MS = 50
WATCH_EVERY = 0.5  # seconds between two looks at the kernel's processes


class KernelDied(RuntimeError):
    """The kernel ended (or must be ended) while a cell ran or before it answered."""


@dataclass
class CellRun:
    """What came back from one cell."""

    outputs: list[dict[str, Any]]
    execution_count: int | None = None
    reply: dict[str, Any] | None = None
    verified: dict[str, Any] | None = None  # the proven fields of a trusted reply
    timed_out: bool = False
    starved: float = 0.0  # seconds the kernel waited for a CPU (not charged to the cell)
    notes: list[str] = field(default_factory=list)


class Starvation:
    """How long a cell's kernel was kept waiting for a CPU, from samples of its tasks'
    run-queue delays since the cell began, added up over its tasks (a task that ended
    keeps its last sample). A cell's work may be spread over processes (a server and
    its load test), each delayed in turn: the sum is what its wall time lost, or more
    when tasks waited at once, which the cell's cap (``Limits.starved_factor``) bounds."""

    def __init__(self, waited: Callable[[], dict[int, int]]) -> None:
        self.waited = waited
        self.base = waited()
        self.grown: dict[int, int] = {}

    def seconds(self) -> float:
        for task, nanoseconds in self.waited().items():
            self.grown[task] = max(self.grown.get(task, 0), nanoseconds - self.base.get(task, 0))
        return sum(self.grown.values()) / 1e9


def _url(connection: dict[str, Any], channel: str) -> str:
    port = connection[f"{channel}_port"]
    if connection["transport"] == "ipc":
        return f"ipc://{connection['ip']}-{port}"
    return f"tcp://{connection['ip']}:{port}"


class KernelClient:
    """Shell and IOPub sockets to one kernel."""

    def __init__(
        self,
        connection: dict[str, Any],
        proof_key: bytes,
        alive: Callable[[], bool],
        message_bytes: int,
        watch: Callable[[], str | None] = lambda: None,
        waited: Callable[[], dict[int, int]] = dict,
    ) -> None:
        self.proof_key = proof_key
        self.alive = alive
        self.watch = watch
        self.waited = waited
        self.context = zmq.Context()
        self.session = Session(
            key=str(connection["key"]).encode(),
            signature_scheme=str(connection["signature_scheme"]),
            username="grader",
        )
        self.shell = self.context.socket(zmq.DEALER)
        self.iopub = self.context.socket(zmq.SUB)
        for socket in (self.shell, self.iopub):
            socket.setsockopt(zmq.LINGER, 0)
            socket.setsockopt(zmq.RECONNECT_IVL, 10)
            socket.setsockopt(zmq.MAXMSGSIZE, message_bytes)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.shell.connect(_url(connection, "shell"))
        self.iopub.connect(_url(connection, "iopub"))
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    def close(self) -> None:
        self.shell.close(0)
        self.iopub.close(0)
        self.context.term()

    def _receive(self, socket: zmq.Socket[Any]) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            try:
                _, msg = self.session.recv(socket, mode=zmq.NOBLOCK)
            except (ValueError, KeyError, TypeError):  # bad signature or a malformed message
                continue
            if msg is None:
                return messages
            messages.append(msg)

    def _poll(self, seconds: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        self.poller.poll(max(int(seconds * 1000), 0))
        return self._receive(self.shell), self._receive(self.iopub)

    def wait_ready(self, timeout: float) -> None:
        """Until the kernel answers on the shell channel and publishes on IOPub."""
        deadline = time.monotonic() + timeout
        replied = published = False
        next_request = 0.0
        while not (replied and published):
            now = time.monotonic()
            if now > deadline:
                raise KernelDied(f"the kernel did not answer within {timeout:g} s")
            if not self.alive():
                raise KernelDied("the kernel ended before it answered")
            if now >= next_request and not replied:
                self.session.send(self.shell, "kernel_info_request", {})
                next_request = now + 0.2
            shell, iopub = self._poll(min(0.05, deadline - now))
            replied = replied or any(m["msg_type"] == "kernel_info_reply" for m in shell)
            published = published or bool(iopub)
            if replied and not published:
                self.session.send(self.shell, "kernel_info_request", {})
                time.sleep(0.01)

    def run(
        self,
        code: str,
        grader: dict[str, Any],
        timeout: float,
        cap: int,
        budget: Budget,
        patience: float = 1.0,
    ) -> CellRun:
        """Run one cell; ``grader`` is its ``metadata.grader`` (role, visible source).

        The cell may run ``timeout`` seconds of wall clock not spent waiting for a CPU,
        and at most ``timeout * patience`` seconds in all.
        """
        starvation = Starvation(self.waited if patience > 1.0 else dict)
        sent = self.session.send(
            self.shell,
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": False,
            },
            metadata={"grader": grader},
        )
        assert sent is not None, "the shell socket refused the request"
        msg_id = sent["header"]["msg_id"]
        sink = CellOutputs(cap, budget)
        run = CellRun(outputs=sink.outputs)
        trusted = grader.get("role") in ("trusted", "graded")
        began = time.monotonic()
        hard = began + timeout * max(patience, 1.0)
        replied_at: float | None = None
        idle = False
        watched = time.monotonic()
        while not (run.reply is not None and idle):
            now = time.monotonic()
            if now > watched + WATCH_EVERY:
                watched = now
                trouble = self.watch()
                if trouble:
                    raise KernelDied(trouble)
                run.starved = starvation.seconds()
            if replied_at is not None and now > replied_at + IOPUB_GRACE:
                run.notes.append("some output may be missing (the kernel's stream ended early)")
                break
            deadline = min(hard, began + timeout + run.starved)
            if now > deadline and now < hard:  # the last sample may be old: take one now
                run.starved = starvation.seconds()
                deadline = min(hard, began + timeout + run.starved)
            if now > deadline:
                run.timed_out = True
                break
            if not self.alive():
                raise KernelDied("the kernel ended while the cell ran")
            shell, iopub = self._poll(min(POLL_MS / 1000, deadline - now))
            for msg in iopub:
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg.get("content") or {}
                if kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                elif kind == "execute_input":
                    count = content.get("execution_count")
                    run.execution_count = count if isinstance(count, int) else None
                else:
                    sink.add(kind, content)
            for msg in shell:
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] != "execute_reply" or run.reply is not None:
                    continue
                content = msg.get("content") or {}
                if trusted:
                    fields = self._verified(content, msg_id)
                    if fields is None:
                        run.notes.append("ignored a reply without a valid grader proof")
                        continue
                    run.verified = fields
                run.reply = content
                replied_at = time.monotonic()
        run.outputs = sink.finish()
        return run

    def _verified(self, content: dict[str, Any], msg_id: str) -> dict[str, Any] | None:
        grader = content.get("grader")
        if not isinstance(grader, dict):
            return None
        fields = {
            key: grader.get(key) for key in ("msg_id", "role", "completed", "status", "violations")
        }
        if fields["msg_id"] != msg_id or fields["status"] != content.get("status"):
            return None
        if not proof.verify(self.proof_key, fields, grader.get("proof")):
            return None
        fields["notes"] = grader.get("notes") if isinstance(grader.get("notes"), list) else []
        for timing in ("guard_seconds", "audit_seconds"):  # for the report only: not signed
            seconds = grader.get(timing)
            fields[timing] = float(seconds) if isinstance(seconds, int | float) else 0.0
        return fields
