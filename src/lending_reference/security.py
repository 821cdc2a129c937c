"""Reference security layer (notebook 09): who the caller is, and what they may do.

- **Passwords** are stored as Argon2id hashes (argon2-cffi). Verifying one also says
  whether it was made with other parameters than today's, so the hash is renewed at the
  next successful login. An unknown e-mail address is verified against a dummy hash of
  the same cost: it takes as long, and answers the same, as a wrong password.
- **Tokens** are JWTs (PyJWT) signed with HS256 and the key from the settings. Decoding
  pins the one algorithm and requires ``sub``, ``exp``, ``iat``, ``iss`` and ``aud``:
  a token with ``alg: none``, another key, a changed payload, past its expiry or for
  another audience or issuer is refused, always with the same 401.
- **Dependencies** for routes: :data:`CurrentUser` (401 with ``WWW-Authenticate:
  Bearer``, from a missing, invalid or orphaned token), :func:`require_librarian`,
  :func:`member_access` and :func:`loan_access` (403 when the caller is authenticated
  but the member or the loan is not theirs). Both statuses are Starlette HTTP errors,
  answered as problem details by notebook 06's ``http_error_handler``.

Credentials live in their own table, ``accounts``, beside ``members``: loading a member
(for a loan, a list, a response) never loads a password hash, and no response schema
can reach one. A member without an account row cannot log in.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Path, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .deps import SessionFactoryDep, SettingsDep, UnitOfWorkDep
from .errors import NotFound
from .models import Base, Member
from .schemas import MemberUpdate
from .settings import Settings


class Role(StrEnum):
    MEMBER = "member"
    LIBRARIAN = "librarian"


accounts = Table(
    "accounts",
    Base.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False, server_default=Role.MEMBER.value),
    CheckConstraint("role IN ('member', 'librarian')", name="role_known"),
    keep_existing=True,  # a module executed again (a notebook cell) keeps the one table
)
"""One row per member who can log in: the Argon2 hash and the role."""


@dataclass(frozen=True)
class Account:
    member_id: int
    role: Role
    password_hash: str = field(repr=False)  # never printed, never logged


class AccountRepository:
    """The ``accounts`` table, on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> Account | None:
        query = select(accounts).where(accounts.c.member_id == member_id)
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else Account(row.member_id, Role(row.role), row.password_hash)

    async def get_by_email(self, email: str) -> Account | None:
        query = (
            select(accounts)
            .join(Member, Member.id == accounts.c.member_id)
            .where(Member.email == email)
        )
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else Account(row.member_id, Role(row.role), row.password_hash)

    async def add(self, account: Account) -> None:
        await self.session.execute(
            accounts.insert().values(
                member_id=account.member_id,
                password_hash=account.password_hash,
                role=account.role.value,
            )
        )

    async def set_password_hash(self, member_id: int, password_hash: str) -> None:
        await self.session.execute(
            accounts.update()
            .where(accounts.c.member_id == member_id)
            .values(password_hash=password_hash)
        )


# --- Passwords -----------------------------------------------------------------------


@lru_cache(maxsize=8)
def hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    """One Argon2id hasher per set of parameters (so each has one dummy hash, below)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def get_hasher(settings: SettingsDep) -> PasswordHasher:
    return hasher_for(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]


@lru_cache(maxsize=8)
def dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a password nobody knows, made with ``hasher``'s parameters."""
    return hasher.hash("no account has this password; it only costs the same time")


@dataclass(frozen=True)
class Verified:
    """The outcome of a password check; ``new_hash`` is set when the stored one is stale."""

    ok: bool
    new_hash: str | None = field(default=None, repr=False)


def verify_password(hasher: PasswordHasher, stored: str | None, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; ``stored=None`` (no such account) never does.

    Without an account the password is checked against the dummy hash anyway: the answer
    costs the same work, so its timing does not tell an unknown e-mail from a known one.
    """
    if stored is None:
        with suppress(VerificationError):
            hasher.verify(dummy_hash(hasher), password)
        return Verified(ok=False)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    return Verified(
        ok=True, new_hash=hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    )


# --- Tokens --------------------------------------------------------------------------

ALGORITHM = "HS256"
"""The only algorithm tokens are signed with, and the only one decoding accepts."""
REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud"]


@dataclass(frozen=True)
class TokenConfig:
    secret: SecretStr
    issuer: str
    audience: str
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenConfig:
        return cls(
            settings.token_secret,
            settings.token_issuer,
            settings.token_audience,
            timedelta(minutes=settings.token_minutes),
        )


def get_token_config(settings: SettingsDep) -> TokenConfig:
    return TokenConfig.from_settings(settings)


TokenConfigDep = Annotated[TokenConfig, Depends(get_token_config)]


def issue_token(member_id: int, config: TokenConfig, *, now: datetime) -> str:
    """A signed access token for ``member_id``, valid from ``now`` for the configured time."""
    claims = {
        "sub": str(member_id),
        "iss": config.issuer,
        "aud": config.audience,
        "iat": now,
        "exp": now + config.lifetime,
    }
    return jwt.encode(claims, config.secret.get_secret_value(), algorithm=ALGORITHM)


def not_authenticated() -> HTTPException:
    """The one 401 for every bad token: it says nothing about what was wrong with it."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "A valid bearer token is needed: log in at /token.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden() -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, "You may not access this resource.")


def decode_token(token: str, config: TokenConfig) -> int:
    """The member id a valid token was issued for; any invalid token is the same 401."""
    try:
        claims = jwt.decode(
            token,
            config.secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=config.audience,
            issuer=config.issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError:
        raise not_authenticated() from None
    subject = claims["sub"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise not_authenticated()
    return int(subject)


# --- Who is calling, and what they may do ----------------------------------------------

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
"""``auto_error=False``: a missing token gets our 401, not the scheme's different one."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a member, and their role."""

    member_id: int
    role: Role

    @property
    def is_librarian(self) -> bool:
        return self.role == Role.LIBRARIAN  # by value: equal across reloads of the module


async def current_user(
    token: Annotated[str | None, Depends(oauth2_scheme)],
    config: TokenConfigDep,
    session_factory: SessionFactoryDep,
) -> Principal:
    """The caller, from the bearer token; 401 without one, or when its account is gone."""
    if token is None:
        raise not_authenticated()
    member_id = decode_token(token, config)
    async with session_factory() as session:
        account = await AccountRepository(session).get(member_id)
    if account is None:
        raise not_authenticated()
    return Principal(account.member_id, account.role)


CurrentUser = Annotated[Principal, Depends(current_user)]

MAX_ID = 2**31 - 1
OwnId = Annotated[int, Path(gt=0, le=MAX_ID)]
"""An id in the path, bounded as the routers bound theirs. The access dependencies
declare it and the route takes it from them: declared twice, a bad id would be
reported twice."""


def require_librarian(user: CurrentUser) -> Principal:
    if not user.is_librarian:
        raise forbidden()
    return user


def member_access(member_id: OwnId, user: CurrentUser) -> int:
    """A member's own profile and loans: that member, or a librarian."""
    if not (user.is_librarian or user.member_id == member_id):
        raise forbidden()
    return member_id


async def loan_access(loan_id: OwnId, user: CurrentUser, uow: UnitOfWorkDep) -> int:
    """A loan: its member's, or a librarian's. A member asking for a loan that is not
    theirs gets 403 whether it exists or not: the answer reveals nothing about others."""
    if not user.is_librarian:
        async with uow:
            loan = await uow.loans.get(loan_id)
        if loan is None or loan.member_id != user.member_id:
            raise forbidden()
    return loan_id


OwnMemberId = Annotated[int, Depends(member_access)]
"""A member id from the path that the caller may act on: the route declares no other."""
OwnLoanId = Annotated[int, Depends(loan_access)]


STAFF_FIELDS = frozenset({"active", "max_loans"})
"""What only a librarian may change about a member."""


def ensure_may_update(user: Principal, changes: MemberUpdate) -> None:
    """A member changes their name and e-mail; their status and limit are the library's."""
    if not user.is_librarian and STAFF_FIELDS & changes.model_fields_set:
        raise forbidden()


# --- Logging in, and setting a password -----------------------------------------------


class Token(BaseModel):
    """The answer of ``POST /token`` (RFC 6749, section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")


class PasswordChange(BaseModel):
    """The body of ``PUT /members/{id}/password``; a ``SecretStr`` never prints."""

    model_config = ConfigDict(extra="forbid")

    password: SecretStr = Field(min_length=12, max_length=128)


def login_failed() -> HTTPException:
    """The one answer to a failed login, whether the e-mail or the password was wrong."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "The e-mail address or the password is wrong.",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def authenticate(
    repository: AccountRepository, hasher: PasswordHasher, email: str, password: str
) -> Account:
    """The account these credentials belong to, its hash renewed if stale; else the 401.

    An unknown e-mail address costs one verification too (of the dummy hash), and both
    failures raise the same error: neither the answer nor its timing tells them apart.
    Argon2 is slow on purpose, so it runs in a worker thread, not on the event loop.
    """
    account = await repository.get_by_email(email.strip().lower())
    stored = account.password_hash if account is not None else None
    verified = await run_in_threadpool(verify_password, hasher, stored, password)
    if account is None or not verified.ok:
        raise login_failed()
    if verified.new_hash is not None:
        await repository.set_password_hash(account.member_id, verified.new_hash)
    return account


class AccountService:
    """Logins and passwords, each in a session of its own."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher,
        config: TokenConfig,
    ) -> None:
        self.session_factory = session_factory
        self.hasher = hasher
        self.config = config

    async def login(self, email: str, password: str, *, now: datetime | None = None) -> Token:
        async with self.session_factory() as session:
            account = await authenticate(AccountRepository(session), self.hasher, email, password)
            await session.commit()  # a renewed hash
        token = issue_token(account.member_id, self.config, now=now or datetime.now(UTC))
        return Token(access_token=token, expires_in=int(self.config.lifetime.total_seconds()))

    async def set_password(
        self, member_id: int, password: SecretStr, *, role: Role | None = None
    ) -> None:
        """Give ``member_id`` this password (an account, if none yet); ``role`` for a new one."""
        new_hash = await run_in_threadpool(self.hasher.hash, password.get_secret_value())
        async with self.session_factory() as session:
            repository = AccountRepository(session)
            if await session.get(Member, member_id) is None:
                raise NotFound("member", member_id)
            if await repository.get(member_id) is None:
                await repository.add(Account(member_id, role or Role.MEMBER, new_hash))
            else:
                await repository.set_password_hash(member_id, new_hash)
            await session.commit()


def get_account_service(
    session_factory: SessionFactoryDep, hasher: HasherDep, config: TokenConfigDep
) -> AccountService:
    return AccountService(session_factory, hasher, config)


AccountServiceDep = Annotated[AccountService, Depends(get_account_service)]
