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
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def databases(folder: str) -> Iterator[dict[str, str]]:
    """A URL per kind of database: a SQLite file, and PostgreSQL if a server starts."""
    urls = {"sqlite": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"}
    try:
        server = ThrowawayPostgres()
        server.start()
    except PostgresUnavailable as exc:
        print(f"postgres left out: {exc}")
        yield urls
        return
    try:
        yield {**urls, "postgresql": server.create_database("bench")}
    finally:
        server.stop()


async def measure(name: str, url: str, args: argparse.Namespace) -> LoadResult:
    factory, _ = SERVERS[name]
    env = {"LENDING_DATABASE_URL": url}
    with serving_process(factory, env=env, ready_path=PATH) as url:
        await run_load(url + PATH, connections=args.connections, seconds=1, tool=args.tool)
        return await run_load(
            url + PATH, connections=args.connections, seconds=args.seconds, tool=args.tool
        )


def line(name: str, result: LoadResult, anchor: LoadResult) -> str:
    s = result.summary
    share = s.throughput / anchor.summary.throughput
    errors = f"  {result.errors} non-2xx!" if result.errors else ""
    return (
        f"  {name:8} {s.throughput:8.0f} req/s   p50 {s.p50 * 1e3:6.1f} ms   "
        f"p99 {s.p99 * 1e3:6.1f} ms   {share:6.1%} of memory{errors}"
    )


async def main(args: argparse.Namespace) -> None:
    tool = args.tool if args.tool != "auto" else ("wrk" if wrk_available() else "python")
    print(f"load generator: {tool}, {args.connections} connections, {args.seconds:.0f} s a run")
    with tempfile.TemporaryDirectory() as folder, databases(folder) as urls:
        for url in urls.values():
            await seed(url)
        servers = [name for name, (_, kind) in SERVERS.items() if kind in urls]
        services = [name for name in servers if name != "memory"]
        shares: dict[str, list[float]] = {name: [] for name in services}
        p99s: dict[str, list[float]] = {name: [] for name in services}
        for round_number in range(1, args.rounds + 1):
            results = {name: await measure(name, urls[SERVERS[name][1]], args) for name in servers}
            print(f"round {round_number}")
            for name, result in results.items():
                print(line(name, result, results["memory"]))
            for name in shares:
                shares[name].append(
                    results[name].summary.throughput / results["memory"].summary.throughput
                )
                p99s[name].append(results[name].summary.p99)
    print("median over rounds (share of the in-memory endpoint's throughput, p99):")
    for name in shares:
        print(
            f"  {name:8} {statistics.median(shares[name]):6.1%}   "
            f"p99 {statistics.median(p99s[name]) * 1e3:6.1f} ms"
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
