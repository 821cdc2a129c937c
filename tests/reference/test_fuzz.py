"""The reference service under a schema-driven fuzzer: its OpenAPI document tells the truth.

About 1,300 generated requests, the same on every run (fixed seed, derandomised, one
worker): no 5xx, no status code the document does not list, no body that breaks its
documented schema, and every error answered as ``application/problem+json``; on a SQLite
file and again on PostgreSQL.
"""

from __future__ import annotations

import asyncio

import pytest

from coursetools.postgres import empty_database

from .conftest import DATABASES
from .fuzzing import CONTRACT_CHECKS, FuzzReport, fuzz


@pytest.fixture(scope="module", params=DATABASES)
def report(request: pytest.FixtureRequest) -> FuzzReport:
    """One run per database: PostgreSQL refuses values SQLite stores (a 32-bit INTEGER)."""
    if request.param == "sqlite":
        return fuzz()
    url = asyncio.run(empty_database(request.getfixturevalue("postgres_base_url")))
    return fuzz(database_url=url)


def test_the_fuzzer_sends_at_least_a_thousand_requests(report: FuzzReport) -> None:
    assert report.requests >= 1000, report.summary()
    assert {200, 201, 404, 405, 409, 422} <= set(report.statuses), report.summary()


def test_no_request_ends_in_a_server_error(report: FuzzReport) -> None:
    assert report.server_errors == 0, report.summary()


@pytest.mark.parametrize("check", CONTRACT_CHECKS)
def test_every_response_is_as_documented(report: FuzzReport, check: str) -> None:
    assert report.failures(check) == 0, report.summary()


def test_every_error_body_is_a_problem(report: FuzzReport) -> None:
    assert report.error_bodies_not_problems == [], report.summary()
