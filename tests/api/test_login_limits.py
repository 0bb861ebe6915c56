"""Failed sign-ins are limited per identifier and per client IP (api/rate_limits.py,
schema/accounts/login_limits.py): over a limit, `tokenCreate` and `staffTokenCreate` answer a
THROTTLED user error without checking the password; a success is never counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from api.adapters.passwords import Argon2Hasher
from api.app import create_app
from api.settings import Settings
from db.engine import create_session_factory
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.accounts.model import login_subject
from domain.accounts.services import MemberRegistration, register_member
from tests.helpers import STAFF_PASSWORD, GraphQLClient
from tests.redis_fixtures import REDIS_URL, real_redis

PASSWORD = "open-sesame-42"
SIGN_IN = """mutation($identifier: String!, $password: String!) {
  tokenCreate(input: {identifier: $identifier, password: $password}) { accessToken userErrors { code message } }
}"""
STAFF_SIGN_IN = """mutation($email: String!, $password: String!) {
  staffTokenCreate(input: {email: $email, password: $password}) { accessToken userErrors { code message } }
}"""


async def add_member(engine: AsyncEngine, email: str, phone: str | None = None) -> None:
    async with create_session_factory(engine)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            await register_member(
                uow,
                Argon2Hasher(time_cost=1, memory_cost=8),
                MemberRegistration(name="Ann Lee", password=PASSWORD, email=email, phone=phone),
                "CN",
            )


@asynccontextmanager
async def limited_app(engine: AsyncEngine, settings: Settings, **overrides: Any) -> AsyncIterator[Starlette]:
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    async with app.router.lifespan_context(app):
        yield app


def caller(app: Starlette, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver")


async def sign_in(http: httpx.AsyncClient, identifier: str, password: str = PASSWORD) -> str:
    """The outcome: "OK", or the first user error's code."""
    response = await http.post(
        "/graphql", json={"query": SIGN_IN, "variables": {"identifier": identifier, "password": password}}
    )
    payload = response.json()["data"]["tokenCreate"]
    if payload["accessToken"]:
        return "OK"
    code: str = payload["userErrors"][0]["code"]
    return code


async def test_an_identifier_is_locked_after_its_failures_whatever_the_address(
    engine: AsyncEngine, settings: Settings
) -> None:
    await add_member(engine, "ann@example.com")
    async with (
        limited_app(engine, settings, login_max_failures=3) as app,
        caller(app, "10.0.0.1") as attacker,
        caller(app, "10.0.0.2") as owner,
    ):
        assert [await sign_in(attacker, "ann@example.com", "guess") for _ in range(3)] == ["INVALID_CREDENTIALS"] * 3
        assert await sign_in(attacker, "ann@example.com", "guess-4") == "THROTTLED"
        assert await sign_in(attacker, "ann@example.com") == "THROTTLED"  # not even checked
        assert await sign_in(owner, " ANN@example.com") == "THROTTLED"  # the limit is the identifier's
        response = await owner.post(
            "/graphql", json={"query": SIGN_IN, "variables": {"identifier": "ann@example.com", "password": PASSWORD}}
        )
        assert response.status_code == 200  # an expected failure: a user error, not a refusal
        [error] = response.json()["data"]["tokenCreate"]["userErrors"]
        assert error["message"].startswith("Too many failed sign-in attempts; try again in ")
        assert await sign_in(owner, "bob@example.com", "guess") == "INVALID_CREDENTIALS"  # other identifiers


async def test_an_address_is_limited_across_identifiers_but_others_sign_in(
    engine: AsyncEngine, settings: Settings
) -> None:
    await add_member(engine, "ann@example.com")
    async with (
        limited_app(engine, settings, login_max_failures=10, login_max_failures_per_ip=3) as app,
        caller(app, "10.0.0.1") as sprayer,
        caller(app, "10.0.0.2") as owner,
    ):
        for name in ("a", "b", "c"):
            assert await sign_in(sprayer, f"{name}@example.com", "guess") == "INVALID_CREDENTIALS"
        assert await sign_in(sprayer, "ann@example.com") == "THROTTLED"
        assert await sign_in(owner, "ann@example.com") == "OK"  # the sprayer's failures are not hers


async def test_successes_are_not_counted_and_forgive_earlier_failures(engine: AsyncEngine, settings: Settings) -> None:
    await add_member(engine, "ann@example.com")
    async with limited_app(engine, settings, login_max_failures=3) as app, caller(app, "10.0.0.1") as http:
        for _ in range(3):
            assert await sign_in(http, "ann@example.com", "typo") == "INVALID_CREDENTIALS"
            assert await sign_in(http, "ann@example.com", "typo") == "INVALID_CREDENTIALS"
            assert await sign_in(http, "ann@example.com") == "OK"  # and her failures are forgotten
    async with limited_app(engine, settings, login_max_failures_per_ip=3) as app, caller(app, "10.0.0.1") as http:
        assert await sign_in(http, "ann@example.com", "typo") == "INVALID_CREDENTIALS"
        assert await sign_in(http, "bob@example.com", "typo") == "INVALID_CREDENTIALS"
        for _ in range(5):
            assert await sign_in(http, "ann@example.com") == "OK"
        assert await sign_in(http, "cid@example.com", "typo") == "INVALID_CREDENTIALS"  # the address's third
        assert await sign_in(http, "ann@example.com") == "THROTTLED"


async def test_parallel_guesses_cannot_slip_past_the_limit(engine: AsyncEngine, settings: Settings) -> None:
    await add_member(engine, "ann@example.com")
    async with limited_app(engine, settings, login_max_failures=3) as app, caller(app, "10.0.0.1") as http:
        outcomes = await asyncio.gather(*(sign_in(http, "ann@example.com", f"guess-{i}") for i in range(8)))
        assert sorted(outcomes) == ["INVALID_CREDENTIALS"] * 3 + ["THROTTLED"] * 5


async def test_staff_sign_in_is_limited_too(engine: AsyncEngine, settings: Settings) -> None:
    async with limited_app(engine, settings, login_max_failures=2) as app, caller(app, "10.0.0.1") as http:
        await GraphQLClient(http).staff_token(engine, StaffRole.ADMIN, email="boss@example.com")

        async def staff_sign_in(password: str) -> list[str]:
            body = (
                await http.post(
                    "/graphql",
                    json={"query": STAFF_SIGN_IN, "variables": {"email": "boss@example.com", "password": password}},
                )
            ).json()
            return [e["code"] for e in body["data"]["staffTokenCreate"]["userErrors"]]

        assert await staff_sign_in("guess") == ["INVALID_CREDENTIALS"]
        assert await staff_sign_in("guess") == ["INVALID_CREDENTIALS"]
        assert await staff_sign_in(STAFF_PASSWORD) == ["THROTTLED"]
        # a member with the same e-mail is another subject
        assert await sign_in(http, "boss@example.com", "guess") == "INVALID_CREDENTIALS"


async def test_every_spelling_of_one_account_shares_its_limit(engine: AsyncEngine, settings: Settings) -> None:
    await add_member(engine, "ann@example.com", phone="13800138000")
    spellings = [
        " " * 300 + "ann@example.com",
        "ANN@example.com" + "\t" * 400,
        "+86 138 0013 8000",
        "13800138000",
        "ann@example.com",
    ]
    async with limited_app(engine, settings, login_max_failures=3) as app, caller(app, "10.0.0.1") as http:
        assert [await sign_in(http, spelling, "guess") for spelling in spellings[:3]] == ["INVALID_CREDENTIALS"] * 3
        assert [await sign_in(http, spelling) for spelling in spellings] == ["THROTTLED"] * 5
        # an identifier no account has is counted by its normalised form, so probing is limited too
        assert [await sign_in(http, " " * i + "nobody@example.com", "guess") for i in (0, 300, 301)] == [
            "INVALID_CREDENTIALS"
        ] * 3
        assert await sign_in(http, " " * 500 + "NOBODY@example.com", "guess") == "THROTTLED"


async def test_a_padded_staff_e_mail_is_the_same_locked_account(engine: AsyncEngine, settings: Settings) -> None:
    async with limited_app(engine, settings, login_max_failures=2) as app, caller(app, "10.0.0.1") as http:
        await GraphQLClient(http).staff_token(engine, StaffRole.ADMIN, email="boss@example.com")
        for email in ("boss@example.com", " " * 300 + "Boss@Example.com"):
            body = (
                await http.post(
                    "/graphql", json={"query": STAFF_SIGN_IN, "variables": {"email": email, "password": "guess"}}
                )
            ).json()
            assert body["data"]["staffTokenCreate"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": STAFF_SIGN_IN,
                    "variables": {"email": " " * 400 + "BOSS@example.com ", "password": STAFF_PASSWORD},
                },
            )
        ).json()
        assert body["data"]["staffTokenCreate"]["userErrors"][0]["code"] == "THROTTLED"


async def test_limits_off(engine: AsyncEngine, settings: Settings) -> None:
    async with (
        limited_app(engine, settings, login_max_failures=0, login_max_failures_per_ip=0) as app,
        caller(app, "10.0.0.1") as http,
    ):
        assert [await sign_in(http, "x@example.com", "guess") for _ in range(12)] == ["INVALID_CREDENTIALS"] * 12


async def test_failures_are_counted_in_redis_across_servers(engine: AsyncEngine, settings: Settings) -> None:
    await add_member(engine, "ann@example.com")
    async with real_redis() as (redis, prefix):
        shared = {"redis_url": REDIS_URL, "redis_prefix": prefix, "login_max_failures": 2}
        async with (
            limited_app(engine, settings, **shared) as one,
            limited_app(engine, settings, **shared) as two,
            caller(one, "10.0.0.1") as first,
            caller(two, "10.0.0.2") as second,
        ):
            assert await sign_in(first, "ann@example.com", "guess") == "INVALID_CREDENTIALS"
            assert await sign_in(second, "ann@example.com", "guess") == "INVALID_CREDENTIALS"
            assert await sign_in(first, "ann@example.com") == "THROTTLED"
            keys = {key.decode() async for key in redis.scan_iter(match=prefix + "bucket:login:*")}
            assert len(keys) == 3  # the identifier and both addresses
            assert not any("ann" in key for key in keys)  # no e-mail addresses in key names


def test_spellings_of_one_identity_are_one_subject() -> None:
    assert login_subject(" Ann@Example.COM ", "CN") == login_subject("ann@example.com", "CN") == "email:ann@example.com"
    assert login_subject("138 0013 8000", "CN") == login_subject("+86 13800138000", "CN") == "phone:+8613800138000"
    assert login_subject("not  an ID", "CN") == login_subject("NOT AN id", "CN") == "text:not an id"
    assert login_subject(" " * 300 + "Ann@example.com", "CN") == "email:ann@example.com"
    assert login_subject(" " * 300 + "x" * 400, "CN") == "text:" + "x" * 300
