"""Small suites for ``test_helpers_mutants.py``, in a module of their own.

Their names start with ``Test``, so ``helpers.testrun`` collects them; this file's name
does not start with ``test_``, so the course's own session does not.
"""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from lending_reference import schemas

ORIGINAL = schemas.isbn13_check_digit


@pytest.fixture
def twelve() -> str:
    return "978054777374"


class TestCheckDigit:
    def test_a_known_isbn(self, twelve: str) -> None:
        assert schemas.isbn13_check_digit(twelve) == 2

    @pytest.mark.parametrize(("first", "digit"), [("978044100771", 4), ("978006105251", 4)])
    def test_more(self, first: str, digit: int) -> None:
        assert schemas.isbn13_check_digit(first) == digit


class TestHappyOnly:
    def test_returns_a_digit(self, twelve: str) -> None:
        assert 0 <= schemas.isbn13_check_digit(twelve) <= 9


class TestIdentity:
    """Detects that something was replaced, not what the code does."""

    def test_untouched(self) -> None:
        assert schemas.isbn13_check_digit is ORIGINAL


class TestForbidden:
    def test_sleeps(self) -> None:
        time.sleep(0.5)

    async def test_sleeps_async(self) -> None:
        await asyncio.sleep(0.5)

    def test_reads_the_network(self) -> None:
        with socket.socket() as connection:
            connection.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed

    async def test_hangs(self) -> None:
        await asyncio.Event().wait()

    async def test_may_yield(self) -> None:
        await asyncio.sleep(0)


class TestUnsolved:
    def test_stub(self) -> None:
        raise NotImplementedError()


@pytest.fixture
def thirteen(twelve: str) -> str:
    """A fixture that does not fit: the ISBN with a wrong check digit."""
    return twelve + "0"


class TestWrongFixture:
    def test_with_a_misfit(self, thirteen: str) -> None:
        assert schemas.isbn13_check_digit(thirteen[:12]) == int(thirteen[12])


class TestUnknownFixture:
    def test_with_a_typo(self, twelv: str) -> None:
        assert schemas.isbn13_check_digit(twelv) == 2
