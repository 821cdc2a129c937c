"""Fifty borrowers of the last copy, over real HTTP: `make bench-race`.

The reference service under uvicorn (one worker, a process of its own, 127.0.0.1) on
a SQLite file, then on a throwaway PostgreSQL server, each migrated to head. Each round
registers fresh members and lets them all borrow the one copy at once
(:mod:`helpers.perf.race`). Printed, never asserted: the wall time of the borrows,
the status codes and problem codes, the availability read back (and the lowest a
reader saw during the race), the database's count of open loans.
``tests/reference/test_http_race.py`` asserts the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coursetools.postgres import PostgresUnavailable, ThrowawayPostgres
from helpers.perf.race import RaceOutcome, prepare, run_race, serving_service


@contextmanager
def databases(rounds: int) -> Iterator[dict[str, list[str]]]:
    """``rounds`` fresh databases per kind; PostgreSQL only when a server can start."""
    with tempfile.TemporaryDirectory() as folder:
        urls = {
            "sqlite": [f"sqlite+aiosqlite:///{Path(folder) / f'race{n}.db'}" for n in range(rounds)]
        }
        try:
            server = ThrowawayPostgres()
            server.start()
        except PostgresUnavailable as exc:
            print(f"PostgreSQL skipped: {exc}")
            yield urls
            return
        try:
            urls["postgresql"] = [server.create_database("race") for _ in range(rounds)]
            yield urls
        finally:
            server.stop()


async def race(url: str, borrowers: int) -> RaceOutcome:
    await prepare(url)
    with serving_service(url) as base_url:
        return await run_race(base_url, url, borrowers=borrowers)


async def main(args: argparse.Namespace) -> None:
    with databases(args.rounds) as urls:
        for kind, kind_urls in urls.items():
            print(kind)
            times = []
            for url in kind_urls:
                outcome = await race(url, args.borrowers)
                times.append(outcome.seconds)
                print(f"  {outcome.summary()}")
            print(f"  median wall time of the borrows: {statistics.median(times) * 1e3:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--borrowers", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
