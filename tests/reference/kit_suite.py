"""Tests of the reference test kit, run as an inner pytest session by ``test_testing.py``.

Not collected by the outer session (the file name does not start with ``test_``): the
kit's fixtures have the same names as ``conftest.py``'s, so they run in a session of
their own, with ``lending_reference.testing`` as its only plugin.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending_reference.clock import FixedClock
from lending_reference.deps import get_clock
from lending_reference.errors import NoCopyAvailable
from lending_reference.models import Member
from lending_reference.schemas import MemberCreate
from lending_reference.security import Principal, Role, current_user
from lending_reference.services import LendingService, SqlUnitOfWork, register_member
from lending_reference.testing import TODAY, Factories

APPS: list[FastAPI] = []


@pytest.fixture
def recorded_app(app: FastAPI) -> FastAPI:
    APPS.append(app)
    return app


async def members_in(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


class TestKit:
    async def test_code_that_commits_writes_inside_the_test(
        self, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        data = MemberCreate(name="Ada", email="ada@example.org")
        await register_member(SqlUnitOfWork(session_factory), data)
        assert await members_in(session_factory) == 1

    async def test_and_leaves_nothing_for_the_next_test(
        self, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        assert await members_in(session_factory) == 0
        data = MemberCreate(name="Ada", email="ada@example.org")
        await register_member(SqlUnitOfWork(session_factory), data)  # no duplicate e-mail

    async def test_factories_make_distinct_committed_rows(self, make: Factories) -> None:
        first, second = await make.member(), await make.member(active=False, max_loans=1)
        assert first.email != second.email
        assert (second.active, second.max_loans) == (False, 1)
        book = await make.book(copies=2)
        loan = await make.loan(first, book)
        assert (loan.borrowed_at, loan.due_at) == (TODAY, TODAY + timedelta(days=14))

    async def test_a_factory_loan_takes_a_copy(
        self, lending: LendingService, make: Factories
    ) -> None:
        book = await make.book(copies=1)
        await make.loan(await make.member(), book)
        with pytest.raises(NoCopyAvailable):
            await lending.borrow((await make.member()).id, book.id)

    async def test_the_services_use_the_fixed_clock(
        self, lending: LendingService, make: Factories, clock: FixedClock
    ) -> None:
        clock.advance(days=2)
        loan = await lending.borrow((await make.member()).id, (await make.book()).id)
        assert loan.borrowed_at == TODAY + timedelta(days=2)

    async def test_the_client_runs_the_lifespan(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/health")).json() == {"status": "ok"}

    async def test_the_app_serves_the_tests_data_and_clock(
        self, recorded_app: FastAPI, client: httpx.AsyncClient, make: Factories
    ) -> None:
        member, book = await make.member(), await make.book()
        # signed in as that member (notebook 09): the kit clears this override too
        signed_in = Principal(member_id=member.id, role=Role.MEMBER)
        recorded_app.dependency_overrides[current_user] = lambda: signed_in
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.status_code == 201
        assert response.json()["borrowed_at"] == TODAY.isoformat()
        assert get_clock in recorded_app.dependency_overrides

    def test_the_overrides_were_cleared_after_the_test(self) -> None:
        assert len(APPS) == 1 and APPS[0].dependency_overrides == {}
