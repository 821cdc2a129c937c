"""The reference test kit (notebook 07), proven by a pytest session of its own.

``kit_suite.TestKit`` runs with ``lending_reference.testing`` as its plugin, once on
SQLite in memory and once on a throwaway PostgreSQL database (the kit reads
``LENDING_TEST_DATABASE_URL``): commits stay inside each test, factories and the clock
behave, the client runs the lifespan and the overrides are cleared.
"""

from __future__ import annotations

import pytest

from coursetools.postgres import empty_database
from helpers.testrun import run_tests
from lending_reference.testing import DATABASE_URL_VARIABLE

from . import kit_suite

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_the_kit_isolates_each_test_and_serves_the_app(
    database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database == "postgresql":
        url = await empty_database(request.getfixturevalue("postgres_base_url"))
        monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    else:
        monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    kit_suite.APPS.clear()
    result = run_tests(kit_suite.TestKit, plugins=("lending_reference.testing",))
    assert result.all_passed, result.summary()
    assert len(result.tests) == 8
