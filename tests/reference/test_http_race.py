"""The race over real HTTP: 50 members borrow the last copy through uvicorn at once.

The reference service runs in a process of its own on a migrated database (a SQLite
file, then a throwaway PostgreSQL server) and is driven by ``httpx.AsyncClient`` over
127.0.0.1, as a client would drive it (see :mod:`helpers.perf.race`). Whatever the
interleaving, exactly one borrow wins; the others are problem details, and neither the
service nor the database ever counts a copy that is not there. The time limit bounds a
hung server; no figure of speed is asserted (``benchmarks/race.py`` prints them).
"""

from __future__ import annotations

import pytest

from helpers.perf.race import prepare, run_race, serving_service

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

BORROWERS = 50


async def test_fifty_borrowers_of_the_last_copy_one_201_and_49_problem_409s(
    file_database_url: str,
) -> None:
    await prepare(file_database_url)
    with serving_service(file_database_url) as base_url:
        outcome = await run_race(base_url, file_database_url, borrowers=BORROWERS)
    assert outcome.statuses == {201: 1, 409: BORROWERS - 1}, outcome.summary()
    assert outcome.problems == {("application/problem+json", "no_copy_available"): BORROWERS - 1}, (
        outcome.summary()
    )
    assert outcome.availability_seen and min(outcome.availability_seen) >= 0
    assert outcome.copies_available == 0
    assert outcome.open_loans == 1
