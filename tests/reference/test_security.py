"""The security layer: passwords, tokens, who may call what, and what never leaks.

Each test gets the whole service over an empty database (SQLite in memory, and
PostgreSQL), the sample library (``seed``: Ada 1, Grace 2, Linus 3) and three accounts:
Ada and Grace are members, Linus is the librarian. Argon2 runs with its cheapest
parameters: the passwords here protect nothing, and the cost is not what is tested.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import httpx
import jwt
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from lending_reference.app import create_app
from lending_reference.security import (
    AccountRepository,
    AccountService,
    Role,
    TokenConfig,
    decode_token,
    dummy_hash,
    hasher_for,
    issue_token,
    verify_password,
)
from lending_reference.seed import seed
from lending_reference.settings import Settings

from .test_api import client_for, problem

pytestmark = pytest.mark.anyio

SECRET = "k" * 64  # 64 bytes: PyJWT warns about a shorter key for HS512, forged below
PASSWORDS = {1: "ada-password-1", 2: "grace-password-2", 3: "linus-password-3"}
EMAILS = {1: "ada@example.org", 2: "grace@example.org", 3: "linus@example.org"}
ADA, GRACE, LINUS = 1, 2, 3
CHEAP = (1, 8, 1)  # Argon2 time cost, memory (KiB), parallelism


def settings_for(url: str, **fields: Any) -> Settings:
    """The app creates its tables: each test starts from an empty database."""
    names = ("argon2_time_cost", "argon2_memory_kib", "argon2_parallelism")
    cheap = dict(zip(names, CHEAP, strict=True))
    return Settings(
        _env_file=None,
        database_url=url,
        create_tables=True,
        token_secret=SecretStr(SECRET),
        **{**cheap, **fields},
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def config(settings: Settings) -> TokenConfig:
    return TokenConfig.from_settings(settings)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI, config: TokenConfig) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), client_for(app) as client:
        factory = app.state.session_factory
        await seed(factory)
        service = AccountService(factory, hasher_for(*CHEAP), config)
        for member_id, password in PASSWORDS.items():
            role = Role.LIBRARIAN if member_id == LINUS else Role.MEMBER
            await service.set_password(member_id, SecretStr(password), role=role)
        yield client


async def log_in(client: httpx.AsyncClient, member_id: int) -> dict[str, str]:
    response = await client.post(
        "/token", data={"username": EMAILS[member_id], "password": PASSWORDS[member_id]}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def comparable(response: httpx.Response) -> tuple[int, dict[str, Any], str | None]:
    """Status, body without its request id, and the WWW-Authenticate header."""
    body = {k: v for k, v in response.json().items() if k != "request_id"}
    return response.status_code, body, response.headers.get("www-authenticate")


# --- Passwords -------------------------------------------------------------------------


def test_a_hash_is_salted_argon2id_and_verifies_only_its_password() -> None:
    hasher = hasher_for(*CHEAP)
    first, second = hasher.hash("correct horse"), hasher.hash("correct horse")

    assert first.startswith("$argon2id$") and first != second
    assert verify_password(hasher, first, "correct horse").ok
    assert not verify_password(hasher, first, "correct horsE").ok
    assert not verify_password(hasher, "not a hash at all", "correct horse").ok


def test_a_hash_made_with_other_parameters_is_renewed_on_success_only() -> None:
    old, new = hasher_for(*CHEAP), hasher_for(2, 16, 1)
    stored = old.hash("correct horse")

    assert verify_password(old, stored, "correct horse").new_hash is None
    renewed = verify_password(new, stored, "correct horse")
    assert renewed.ok and renewed.new_hash is not None
    assert argon2.extract_parameters(renewed.new_hash).time_cost == 2
    assert verify_password(new, renewed.new_hash, "correct horse").new_hash is None
    assert verify_password(new, stored, "wrong").new_hash is None


def test_no_account_costs_one_verification_against_a_dummy_of_the_same_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = hasher_for(2, 16, 1)
    checked: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, stored: str, password: str) -> bool:
        checked.append(stored)
        return real_verify(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    assert not verify_password(hasher, None, "anything").ok
    assert checked == [dummy_hash(hasher)]
    assert argon2.extract_parameters(checked[0]) == argon2.extract_parameters(hasher.hash("x"))


# --- Logging in ------------------------------------------------------------------------


async def test_login_answers_a_bearer_token_for_the_member(
    client: httpx.AsyncClient, config: TokenConfig
) -> None:
    response = await client.post(
        "/token", data={"username": "ADA@example.org", "password": PASSWORDS[ADA]}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    assert decode_token(body["access_token"], config) == ADA
    me = await client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["email"] == EMAILS[ADA]


async def test_unknown_email_wrong_password_and_no_account_answer_alike(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with app.state.session_factory() as session:  # a member without a password
        from lending_reference.models import Member

        session.add(Member(name="Eve", email="eve@example.org"))
        await session.commit()
    attempts = {
        "wrong password": {"username": EMAILS[ADA], "password": "not-adas-password"},
        "unknown e-mail": {"username": "nobody@example.org", "password": PASSWORDS[ADA]},
        "no account": {"username": "eve@example.org", "password": PASSWORDS[ADA]},
    }
    answers = {
        name: comparable(await client.post("/token", data=form)) for name, form in attempts.items()
    }

    assert len(set(json.dumps(answer, sort_keys=True) for answer in answers.values())) == 1, answers
    status, body, challenge = answers["unknown e-mail"]
    assert (status, body["code"], challenge) == (401, "unauthorized", "Bearer")


async def test_a_stale_hash_is_renewed_at_login(
    client: httpx.AsyncClient, app: FastAPI, database_url: str
) -> None:
    stronger = create_app(settings_for(database_url, argon2_time_cost=2))
    stronger.state.session_factory = app.state.session_factory  # the same database
    async with client_for(stronger) as other:
        assert (
            await other.post("/token", data={"username": EMAILS[ADA], "password": PASSWORDS[ADA]})
        ).status_code == 200
    async with app.state.session_factory() as session:
        account = await AccountRepository(session).get(ADA)
    assert account is not None
    assert argon2.extract_parameters(account.password_hash).time_cost == 2


# --- Tokens: every forgery is the same 401 ---------------------------------------------


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forgeries(config: TokenConfig, now: datetime) -> dict[str, str]:
    good = issue_token(ADA, config, now=now)
    header, payload, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    other = TokenConfig(
        SecretStr("another key, " * 4), config.issuer, config.audience, config.lifetime
    )

    def signed(
        changes: dict[str, Any], drop: str | None = None, key: str = SECRET, alg: str = "HS256"
    ) -> str:
        body = {**claims, **changes}
        body.pop(drop or "", None)
        return jwt.encode(body, key, algorithm=alg)

    return {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none, other member": _segment({"alg": "none"})
        + "."
        + _segment({**claims, "sub": "2"})
        + ".",
        "another key": issue_token(ADA, other, now=now),
        "payload changed": f"{header}.{_segment({**claims, 'sub': str(GRACE)})}.{signature}",
        "signature cut": f"{header}.{payload}.",
        "HS512 with the right key": signed({}, alg="HS512"),
        "expired": issue_token(ADA, config, now=now - config.lifetime - timedelta(seconds=1)),
        "issued in the future": signed({"iat": int((now + timedelta(hours=1)).timestamp())}),
        "another audience": signed({"aud": "another-api"}),
        "another issuer": signed({"iss": "https://evil.example"}),
        "no exp": signed({}, drop="exp"),
        "no iat": signed({}, drop="iat"),
        "no aud": signed({}, drop="aud"),
        "no iss": signed({}, drop="iss"),
        "no sub": signed({}, drop="sub"),
        "sub not a number": signed({"sub": "ada"}),
        "sub a number, not a string": signed({"sub": 1}),
        "sub negative": signed({"sub": "-1"}),
        "sub of no account": signed({"sub": "99"}),
        "garbage": "not.a.token",
        "empty": "",
    }


async def test_every_forged_token_gets_the_same_401(
    client: httpx.AsyncClient, config: TokenConfig
) -> None:
    missing = comparable(await client.get("/members/1"))
    answers = {
        name: comparable(
            await client.get("/members/1", headers={"Authorization": f"Bearer {token}"})
        )
        for name, token in forgeries(config, datetime.now(UTC)).items()
    }
    answers["Basic scheme"] = comparable(
        await client.get("/members/1", headers={"Authorization": "Basic YWRhOnB3"})
    )

    assert missing[0] == 401 and missing[2] == "Bearer"
    different = {name: answer for name, answer in answers.items() if answer != missing}
    assert different == {}


def test_decode_accepts_only_the_genuine_token() -> None:
    config = TokenConfig.from_settings(settings_for("sqlite+aiosqlite:///:memory:"))
    now = datetime.now(UTC)
    assert decode_token(issue_token(GRACE, config, now=now), config) == GRACE
    for name, token in forgeries(config, now).items():
        if name == "sub of no account":  # valid: the account check is current_user's
            continue
        with pytest.raises(Exception) as caught:
            decode_token(token, config)
        assert getattr(caught.value, "status_code", None) == 401, name


# --- Who may call what ------------------------------------------------------------------


async def test_the_catalogue_is_public(client: httpx.AsyncClient) -> None:
    for path in ("/books", "/books/1", "/authors/1", "/health"):
        assert (await client.get(path)).status_code == 200, path


async def test_only_a_librarian_changes_the_catalogue_and_registers_members(
    client: httpx.AsyncClient,
) -> None:
    ada, linus = await log_in(client, ADA), await log_in(client, LINUS)
    writes = [
        ("POST", "/authors", {"name": "N. K. Jemisin"}, 201),
        (
            "POST",
            "/books",
            {
                "title": "T",
                "isbn": "9780306406157",
                "year": 2000,
                "author_id": 1,
                "copies_total": 1,
            },
            201,
        ),
        ("PATCH", "/books/1", {"title": "Earthsea"}, 200),
        ("DELETE", "/books/3", None, 204),
        ("POST", "/members", {"name": "Eve", "email": "eve@example.org"}, 201),
    ]
    for method, path, body, success in writes:
        anonymous = await client.request(method, path, json=body)
        problem(anonymous, 401, "unauthorized")
        assert anonymous.headers["www-authenticate"] == "Bearer"
        forbidden = await client.request(method, path, json=body, headers=ada)
        problem(forbidden, 403, "forbidden")
        assert "www-authenticate" not in forbidden.headers
        allowed = await client.request(method, path, json=body, headers=linus)
        assert allowed.status_code == success, (method, path, allowed.text)


def member_scoped(owner: int, loan_id: int) -> list[tuple[str, str, Any]]:
    """Every route about one member or one loan of theirs."""
    return [
        ("GET", f"/members/{owner}", None),
        ("PATCH", f"/members/{owner}", {"name": "Renamed"}),
        ("GET", f"/members/{owner}/loans", None),
        ("POST", f"/members/{owner}/loans", {"book_id": 3}),
        ("PUT", f"/members/{owner}/password", {"password": "a new password 1"}),
        ("GET", f"/loans/{loan_id}", None),
        ("POST", f"/loans/{loan_id}/renew", None),
        ("POST", f"/loans/{loan_id}/return", None),
    ]


async def test_every_member_scoped_route_refuses_another_member(client: httpx.AsyncClient) -> None:
    ada, grace, librarian = [await log_in(client, m) for m in (ADA, GRACE, LINUS)]
    loan = await client.post("/members/1/loans", json={"book_id": 1}, headers=ada)
    assert loan.status_code == 201, loan.text
    routes = member_scoped(ADA, loan.json()["id"])

    for method, path, body in routes:
        problem(await client.request(method, path, json=body), 401, "unauthorized")
        refused = await client.request(method, path, json=body, headers=grace)
        problem(refused, 403, "forbidden")
    for method, path, body in routes:  # nothing Grace tried changed anything
        allowed = await client.request(method, path, json=body, headers=ada)
        assert allowed.status_code in (200, 201, 204), (method, path, allowed.text)
    assert (await client.get("/members/1/loans", headers=librarian)).status_code == 200
    assert (await client.get(f"/loans/{loan.json()['id']}", headers=librarian)).status_code == 200


async def test_a_loan_that_is_not_yours_is_403_whether_it_exists_or_not(
    client: httpx.AsyncClient,
) -> None:
    ada, linus = await log_in(client, ADA), await log_in(client, LINUS)

    problem(await client.get("/loans/999", headers=ada), 403, "forbidden")
    problem(await client.get("/loans/999", headers=linus), 404, "not_found")
    problem(await client.get("/members/999", headers=ada), 403, "forbidden")
    problem(await client.get("/members/999", headers=linus), 404, "not_found")


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"name": "Ada King"}, 200),
        ({"email": "ada@lovelace.org"}, 200),
        ({"max_loans": 10}, 403),
        ({"active": True}, 403),
    ],
)
async def test_a_member_changes_their_name_not_their_limits(
    client: httpx.AsyncClient, change: dict[str, Any], status: int
) -> None:
    ada, linus = await log_in(client, ADA), await log_in(client, LINUS)

    assert (await client.patch("/members/1", json=change, headers=ada)).status_code == status
    assert (await client.patch("/members/1", json=change, headers=linus)).status_code == 200


async def test_a_new_password_replaces_the_old_one(client: httpx.AsyncClient) -> None:
    ada = await log_in(client, ADA)
    changed = await client.put(
        "/members/1/password", json={"password": "twelve chars"}, headers=ada
    )
    assert changed.status_code == 204
    too_short = await client.put(
        "/members/1/password", json={"password": "eleven char"}, headers=ada
    )
    assert too_short.status_code == 422 and "eleven" not in too_short.text

    old = await client.post("/token", data={"username": EMAILS[ADA], "password": PASSWORDS[ADA]})
    new = await client.post("/token", data={"username": EMAILS[ADA], "password": "twelve chars"})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_a_deleted_account_s_token_stops_working(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ada = await log_in(client, ADA)
    async with app.state.session_factory() as session:
        from lending_reference.security import accounts

        await session.execute(accounts.delete().where(accounts.c.member_id == ADA))
        await session.commit()

    problem(await client.get("/members/1", headers=ada), 401, "unauthorized")


# --- Nothing secret leaks -----------------------------------------------------------------


async def test_a_full_login_logs_no_secret(
    client: httpx.AsyncClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await client.post(
            "/token", data={"username": EMAILS[ADA], "password": PASSWORDS[ADA]}
        )
        token = response.json()["access_token"]
        await client.get("/members/1", headers={"Authorization": f"Bearer {token}"})
        await client.post("/token", data={"username": EMAILS[ADA], "password": "wrong guess"})
        await client.get("/members/1", headers={"Authorization": "Bearer forged.token.here"})
    async with app.state.session_factory() as session:
        account = await AccountRepository(session).get(ADA)
    assert account is not None and caplog.records, "the requests are logged at all"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )
    for secret in (PASSWORDS[ADA], "wrong guess", SECRET, token, account.password_hash):
        assert secret not in logged


def test_the_signing_key_never_prints_nor_appears_in_an_error() -> None:
    settings = settings_for("sqlite+aiosqlite:///:memory:")
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, token_secret=SecretStr("short but secret"))
    assert "short but secret" not in str(caught.value)
    first, second = Settings(_env_file=None), Settings(_env_file=None)
    assert first.token_secret.get_secret_value() != second.token_secret.get_secret_value()


async def test_the_openapi_document_declares_the_password_flow(app: FastAPI) -> None:
    document = app.openapi()
    scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "token"
    assert {"401", "403"} <= set(document["paths"]["/loans/{loan_id}"]["get"]["responses"])
    assert "security" not in document["paths"]["/books"]["get"]
