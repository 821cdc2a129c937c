"""The reference service against the framework's ceiling, over real HTTP: `make bench-service`.

Five servers, each uvicorn with one worker in a process of its own, on 127.0.0.1:

- ``memory``: plain FastAPI serving 50 books from a list with the service's response
  model (the anchor);
- ``before``: the service as notebook 10 finds it (its checkpoint);
- ``after``: the reference service as it is now;
- ``unshared``: the same with shared reads off (each request reads for itself), so that
  what sharing adds is told apart from the rest;
- ``postgres``: the reference service as it is now, on a throwaway PostgreSQL server
  (``coursetools.postgres``; left out, with the reason, where no server binary exists).

The SQLite services share one SQLite file, and ``postgres`` its own database, each
seeded with the course's large library (50,000 books). Each round drives every server
in turn with the same load (``GET /books?limit=50``, 32 connections, wrk if installed,
else the Python load generator), so a change in the machine's load hits all of them
alike. Figures are printed, never asserted: throughput, p50 and p99 of each, and each
service's throughput as a share of the anchor's in the same round (the goals: after >= 35%,
with p99 under 50 ms; postgres >= 50%, issue 17).

Throughput shares move with whatever else the machine runs (a third process, PostgreSQL,
suffers most from a busy machine), so each line also gives the CPU time the service spent
per request: the uvicorn process's, plus for ``postgres`` every PostgreSQL server process's.
Its share (the anchor's CPU per request over the service's) is the throughput share each
would reach with a core to itself, and holds on a loaded machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from sqlalchemy import text

from coursetools.postgres import PostgresUnavailable, ThrowawayPostgres
from helpers.perf.data import seed_library
from helpers.perf.load import LoadResult, run_load, wrk_available
from helpers.perf.server import serving_process
from lending_reference.db import create_schema, make_engine

SERVERS = {
    # name: (app factory, the database it serves)
    "memory": ("helpers.perf.apps:memory_app", "sqlite"),
    "before": ("helpers.perf.apps:checkpoint_app", "sqlite"),
    "after": ("helpers.perf.apps:reference_app", "sqlite"),
    "unshared": ("helpers.perf.apps:unshared_reference_app", "sqlite"),
    "postgres": ("helpers.perf.apps:reference_app", "postgresql"),
}
PATH = "/books?limit=50"


async def seed(url: str) -> None:
    engine = make_engine(url)
    try:
        await create_schema(engine)
        await seed_library(engine)
        async with engine.begin() as connection:  # fresh statistics for the planner
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Database:
    url: str
    pid: int | None = None  # a database server's main process; SQLite has none


@contextmanager
def databases(folder: str) -> Iterator[dict[str, Database]]:
    """A database per kind: a SQLite file, and PostgreSQL if a server starts."""
    found = {"sqlite": Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")}
    try:
        server = ThrowawayPostgres()
        server.start()
    except PostgresUnavailable as exc:
        print(f"postgres left out: {exc}")
        yield found
        return
    try:
        yield {**found, "postgresql": Database(server.create_database("bench"), server.pid)}
    finally:
        server.stop()


@dataclass(frozen=True)
class Measured:
    load: LoadResult
    cpu_per_request: float  # seconds of the service's CPU (app and database server)


def service_processes(base_url: str, database: Database) -> list[psutil.Process]:
    """The uvicorn process serving ``base_url`` and the database server's processes."""
    port = base_url.rsplit(":", 1)[1]
    found = [p for p in psutil.Process().children() if f"--port {port}" in " ".join(p.cmdline())]
    if len(found) != 1:
        raise RuntimeError(f"expected one server process on port {port}, found {len(found)}")
    if database.pid is not None:
        server = psutil.Process(database.pid)
        found += [server, *server.children()]
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU so far; a process gone since counts nothing (its time is lost)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def measure(name: str, database: Database, args: argparse.Namespace) -> Measured:
    factory, _ = SERVERS[name]
    env = {"LENDING_DATABASE_URL": database.url}
    with serving_process(factory, env=env, ready_path=PATH) as url:
        await run_load(url + PATH, connections=args.connections, seconds=1, tool=args.tool)
        processes = service_processes(url, database)
        before = cpu_seconds(processes)
        load = await run_load(
            url + PATH, connections=args.connections, seconds=args.seconds, tool=args.tool
        )
        used = cpu_seconds(processes) - before
        return Measured(load, used / max(load.summary.requests, 1))


def line(name: str, result: Measured, anchor: Measured) -> str:
    s = result.load.summary
    share = s.throughput / anchor.load.summary.throughput
    cpu_share = anchor.cpu_per_request / result.cpu_per_request
    errors = f"  {result.load.errors} non-2xx!" if result.load.errors else ""
    return (
        f"  {name:8} {s.throughput:8.0f} req/s   p50 {s.p50 * 1e3:6.1f} ms   "
        f"p99 {s.p99 * 1e3:6.1f} ms   {share:6.1%} of memory   "
        f"CPU {result.cpu_per_request * 1e6:5.0f} us/req ({cpu_share:6.1%}){errors}"
    )


async def main(args: argparse.Namespace) -> None:
    tool = args.tool if args.tool != "auto" else ("wrk" if wrk_available() else "python")
    print(f"load generator: {tool}, {args.connections} connections, {args.seconds:.0f} s a run")
    print(f"load average at the start: {' '.join(f'{n:.1f}' for n in psutil.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder, databases(folder) as found:
        for database in found.values():
            await seed(database.url)
        servers = [name for name, (_, kind) in SERVERS.items() if kind in found]
        services = [name for name in servers if name != "memory"]
        shares: dict[str, list[float]] = {name: [] for name in services}
        cpu_shares: dict[str, list[float]] = {name: [] for name in services}
        p99s: dict[str, list[float]] = {name: [] for name in services}
        for round_number in range(1, args.rounds + 1):
            results = {name: await measure(name, found[SERVERS[name][1]], args) for name in servers}
            load = " ".join(f"{n:.1f}" for n in psutil.getloadavg())
            print(f"round {round_number} (load average after it: {load})")
            for name, result in results.items():
                print(line(name, result, results["memory"]))
            anchor = results["memory"]
            for name in shares:
                shares[name].append(
                    results[name].load.summary.throughput / anchor.load.summary.throughput
                )
                cpu_shares[name].append(anchor.cpu_per_request / results[name].cpu_per_request)
                p99s[name].append(results[name].load.summary.p99)
    print("median over rounds (share of the in-memory endpoint's throughput, p99, CPU share):")
    for name in shares:
        print(
            f"  {name:8} {statistics.median(shares[name]):6.1%}   "
            f"p99 {statistics.median(p99s[name]) * 1e3:6.1f} ms   "
            f"CPU share {statistics.median(cpu_shares[name]):6.1%}"
        )
    after = statistics.median(shares["after"]) / statistics.median(shares["before"])
    print(f"after / before: {after:.1f}x the throughput")
    unshared = statistics.median(shares["unshared"]) / statistics.median(shares["before"])
    print(f"unshared / before: {unshared:.1f}x the throughput")
    if "postgres" in shares:
        postgres = statistics.median(shares["postgres"]) / statistics.median(shares["after"])
        print(f"postgres / after: {postgres:.2f}x the throughput (PostgreSQL against SQLite)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    asyncio.run(main(parser.parse_args()))
