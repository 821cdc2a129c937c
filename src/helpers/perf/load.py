"""Drive an HTTP server with ``connections`` keep-alive connections for ``seconds``.

:func:`run_load` uses ``wrk`` (Debian's package) when it is installed, else
:func:`python_load`, an asyncio client that speaks just enough HTTP/1.1 to be a fair
load generator: a request is a few bytes written, a response is read by its
``Content-Length``; no parsing beyond that. Both report a :class:`~.stats.Summary`,
and which tool measured it. Only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .stats import Summary, summarise

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class LoadResult:
    """A load test's figures, the tool that measured them, how many answers were not 2xx,
    and each request's latency in seconds (the Python generator's only: wrk keeps them)."""

    summary: Summary
    tool: str
    errors: int = 0
    latencies: tuple[float, ...] = ()


def _target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1" or parts.port is None:
        raise ValueError(f"load tests run against http://127.0.0.1:<port> only, not {url}")
    path = parts.path or "/"
    return parts.hostname, parts.port, path + (f"?{parts.query}" if parts.query else "")


async def _connection(
    host: str, port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length is None:
                raise RuntimeError("the load generator needs a Content-Length in each response")
            await reader.readexactly(int(length.group(1)))
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                errors.append(status)
    finally:
        writer.close()
        await writer.wait_closed()


async def python_load(url: str, *, connections: int = 32, seconds: float = 3.0) -> LoadResult:
    """``connections`` concurrent keep-alive clients sending GET ``url`` for ``seconds``."""
    host, port, path = _target(url)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, until, latencies, errors) for _ in range(connections))
    )
    summary = summarise(latencies, time.perf_counter() - started)
    return LoadResult(summary, "python", len(errors), tuple(latencies))


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _seconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"wrk printed a duration this kit cannot read: {text!r}")
    number, unit = found.groups()
    return float(number) * _UNITS[unit]


def wrk_load(url: str, *, connections: int = 32, seconds: float = 3.0) -> LoadResult:
    """The same load from ``wrk`` (one thread, ``--latency``): figures from its report.

    wrk's own timeout is raised to 10 s, so that slow answers are measured, not dropped.
    """
    _target(url)
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "--latency", url],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    found = dict(re.findall(r"^\s*(50|90|99)%\s+([\d.]+[a-z]+)\s*$", output, re.MULTILINE))
    done = re.search(r"(\d+) requests in ([\d.]+[a-z]+),", output)
    if done is None or len(found) < 3:
        raise RuntimeError(f"wrk's report could not be read:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    summary = Summary(
        int(done.group(1)),
        _seconds(done.group(2)),
        _seconds(found["50"]),
        _seconds(found["90"]),
        _seconds(found["99"]),
    )
    return LoadResult(summary, "wrk", int(bad.group(1)) if bad else 0)


async def run_load(
    url: str, *, connections: int = 32, seconds: float = 3.0, tool: str = "auto"
) -> LoadResult:
    """Load ``url`` with wrk if installed (or ``tool="wrk"``), else with :func:`python_load`."""
    if tool not in {"auto", "wrk", "python"}:
        raise ValueError(f"tool is 'auto', 'wrk' or 'python', not {tool!r}")
    if tool == "wrk" or (tool == "auto" and wrk_available()):
        return await asyncio.to_thread(wrk_load, url, connections=connections, seconds=seconds)
    return await python_load(url, connections=connections, seconds=seconds)
