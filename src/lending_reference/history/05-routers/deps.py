"""Reference dependencies (notebook 05): everything a route can ask for, in one place.

The chain reads like the architecture: settings -> session factory (built in
the lifespan) -> unit of work -> service. Each link is an ``Annotated`` alias,
so a route's signature says what it needs, and a test overrides exactly one
callable in ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import Clock, SystemClock
from .services import (
    CatalogueService,
    LendingService,
    MemberService,
    SqlUnitOfWork,
    UnitOfWork,
)
from .settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    """The factory the lifespan stored on the app: no engine is built per request."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    return factory


SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]


def get_uow(session_factory: SessionFactoryDep) -> UnitOfWork:
    return SqlUnitOfWork(session_factory)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_uow)]


def get_clock() -> Clock:
    return SystemClock()


ClockDep = Annotated[Clock, Depends(get_clock)]


def get_catalogue(uow: UnitOfWorkDep) -> CatalogueService:
    return CatalogueService(uow)


def get_member_service(uow: UnitOfWorkDep) -> MemberService:
    return MemberService(uow)


def get_lending(uow: UnitOfWorkDep, clock: ClockDep, settings: SettingsDep) -> LendingService:
    return LendingService(uow, clock, loan_days=settings.loan_days)


CatalogueDep = Annotated[CatalogueService, Depends(get_catalogue)]
MemberServiceDep = Annotated[MemberService, Depends(get_member_service)]
LendingDep = Annotated[LendingService, Depends(get_lending)]
