"""Every unit of work and repository satisfies the Protocol the services depend on.

Conformance to a ``Protocol`` is structural and checked only by a type checker, so
this test runs one (mypy, strict) over assignments of each implementation to its
Protocol. It caught a real error: with plain attributes (invariant) in
``UnitOfWork``, ``SqlUnitOfWork.books: SqlBookRepository`` did not conform.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

CONFORMANCE = """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lending_reference.repositories import (
    BookRepository, InMemoryBookRepository, InMemoryLoanRepository,
    InMemoryMemberRepository, InMemoryReservationRepository, LoanRepository,
    MemberRepository, ReservationRepository, SqlBookRepository, SqlLoanRepository,
    SqlMemberRepository, SqlReservationRepository,
)
from lending_reference.services import (
    InMemoryReservingUnitOfWork, InMemoryUnitOfWork, ReservingUnitOfWork,
    SqlReservingUnitOfWork, SqlUnitOfWork, UnitOfWork,
)


def units(factory: async_sessionmaker[AsyncSession]) -> list[UnitOfWork]:
    return [SqlUnitOfWork(factory), InMemoryUnitOfWork()]


def reserving_units(factory: async_sessionmaker[AsyncSession]) -> list[ReservingUnitOfWork]:
    return [SqlReservingUnitOfWork(factory), InMemoryReservingUnitOfWork()]


def reservation_repositories(session: AsyncSession) -> list[ReservationRepository]:
    return [SqlReservationRepository(session), InMemoryReservationRepository()]


def repositories(
    session: AsyncSession,
) -> tuple[list[BookRepository], list[MemberRepository], list[LoanRepository]]:
    return (
        [SqlBookRepository(session), InMemoryBookRepository()],
        [SqlMemberRepository(session), InMemoryMemberRepository()],
        [SqlLoanRepository(session), InMemoryLoanRepository()],
    )

"""


def test_implementations_conform_to_their_protocols(tmp_path: Path) -> None:
    checked = tmp_path / "conformance.py"
    checked.write_text(CONFORMANCE, encoding="utf-8")
    report, errors, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir=/dev/null", str(checked)]
    )
    assert status == 0, report + errors
