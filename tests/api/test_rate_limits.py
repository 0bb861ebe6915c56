"""Rate limiting by query cost (api/rate_limits.py, schema/throttle.py): each operation's
estimated cost is charged to the caller's leaky bucket (the token's principal, else the IP);
an empty bucket answers 429 THROTTLED with a retry hint, before anything runs. In process by
default, shared through Redis when REDIS_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.buckets import MemoryBuckets
from api.settings import Settings
from domain.access.model import StaffRole
from tests.helpers import FakeClock, GraphQLClient, StatementCounter, view_of
from tests.redis_fixtures import REDIS_URL, real_redis

CHANNELS = "{ channels { slug } }"  # costs 5
ASK_NEW = {"Accept": "application/graphql-response+json"}


@asynccontextmanager
async def http_client(
    engine: AsyncEngine, settings: Settings, ip: str = "10.0.0.1", clock: FakeClock | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with `overrides`, calling from `ip`; its buckets read `clock` when given."""
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    if clock is not None:
        buckets = view_of(app).rate_limits.buckets
        assert isinstance(buckets, MemoryBuckets)
        buckets.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(ip, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def query(
    http: httpx.AsyncClient, document: str = CHANNELS, token: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": document}, headers={**auth, **(headers or {})})


def throttle_status(response: httpx.Response) -> dict[str, Any]:
    status: dict[str, Any] = response.json()["extensions"]["cost"]["throttleStatus"]
    return status


async def test_each_operation_is_charged_its_cost_until_the_bucket_is_empty(
    engine: AsyncEngine, settings: Settings, statements: StatementCounter
) -> None:
    async with http_client(engine, settings, rate_limit_bucket=12, rate_limit_restore_rate=0.01) as http:
        first = await query(http)
        assert first.status_code == 200 and first.json()["data"] == {"channels": []}
        assert throttle_status(first) == {"maximumAvailable": 12, "currentlyAvailable": 7, "restoreRate": 0.01}
        assert throttle_status(await query(http)) == {
            "maximumAvailable": 12,
            "currentlyAvailable": 2,
            "restoreRate": 0.01,
        }
        statements.reset()
        for headers in ({}, ASK_NEW):  # 429 with either media type
            refused = await query(http, headers=headers)
            assert refused.status_code == 429
            body = refused.json()
            assert "data" not in body  # nothing ran
            [error] = body["errors"]
            assert error["extensions"]["code"] == "THROTTLED"
            assert error["extensions"]["retryAfter"] == 300  # 3 points short at 0.01/s
            assert refused.headers["retry-after"] == "300"
            assert body["extensions"]["cost"]["requestedQueryCost"] == 5
            assert throttle_status(refused)["currentlyAvailable"] == 2  # a refusal takes nothing
        assert statements.count == 0
        cheap = await query(http, "{ __typename }")  # costs nothing, charged the minimum of 1 point
        assert cheap.status_code == 200 and throttle_status(cheap)["currentlyAvailable"] == 1


async def test_the_bucket_restores_over_time(engine: AsyncEngine, settings: Settings) -> None:
    clock = FakeClock()  # however slowly the requests run, no time passes until the test says so
    async with http_client(engine, settings, clock=clock, rate_limit_bucket=10, rate_limit_restore_rate=200) as http:
        assert (await query(http)).status_code == 200
        assert (await query(http)).status_code == 200
        refused = await query(http)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"  # rounded up
        clock.advance(1 / 64)  # 3.125 points at 200/s (binary fractions: no rounding)
        assert (await query(http)).status_code == 429
        clock.advance(1 / 64)  # 6.25
        assert (await query(http)).status_code == 200


async def test_callers_have_their_own_buckets(engine: AsyncEngine, settings: Settings) -> None:
    """Anonymous callers by IP; a signed-in principal by itself, wherever it calls from."""
    overrides = {"rate_limit_bucket": 5, "rate_limit_restore_rate": 0.01}
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    async with app.router.lifespan_context(app):

        def client(ip: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver"
            )

        async with client("10.0.0.1") as first, client("10.0.0.2") as second, client("10.0.0.3") as third:
            token = await GraphQLClient(third).staff_token(engine, StaffRole.ADMIN)
            assert (await query(first)).status_code == 200
            assert (await query(first)).status_code == 429
            assert (await query(second)).status_code == 200  # another address
            assert (await query(first, token=token)).status_code == 200  # the staff user's own bucket
            assert (await query(second, token=token)).status_code == 429  # ... wherever it calls from


async def test_each_operation_of_a_batch_is_charged(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, rate_limit_bucket=12, rate_limit_restore_rate=0.01, batching=True) as http:
        response = await http.post("/graphql", json=[{"query": CHANNELS}] * 3)
        assert response.status_code == 200  # a batch's status is the batch's, each result has its own error
        first, second, third = response.json()
        assert first["data"] == second["data"] == {"channels": []}
        assert third["errors"][0]["extensions"]["code"] == "THROTTLED"


async def test_the_rate_limit_can_be_switched_off(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, rate_limit=False, rate_limit_bucket=5) as http:
        for _ in range(3):
            response = await query(http)
            assert response.status_code == 200
            assert response.json()["extensions"]["cost"] == {"requestedQueryCost": 5, "maxCost": 5000}


async def test_a_query_over_the_cost_limit_is_not_charged(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(
        engine, settings, rate_limit_bucket=6, rate_limit_restore_rate=0.01, max_query_cost=4
    ) as http:
        assert (await query(http)).json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert throttle_status(await query(http, "{ __typename }"))["currentlyAvailable"] == 5


# --- shared through Redis ------------------------------------------------------------------------


async def test_buckets_in_redis_are_shared_by_every_server(engine: AsyncEngine, settings: Settings) -> None:
    async with real_redis() as (redis, prefix):
        shared = {
            "redis_url": REDIS_URL,
            "redis_prefix": prefix,
            "rate_limit_bucket": 12,
            "rate_limit_restore_rate": 0.01,
        }
        async with http_client(engine, settings, **shared) as one, http_client(engine, settings, **shared) as two:
            assert throttle_status(await query(one))["currentlyAvailable"] == 7
            assert throttle_status(await query(two))["currentlyAvailable"] == 2
            refused = await query(one)
            assert refused.status_code == 429 and refused.headers["retry-after"] == "300"
            assert [key async for key in redis.scan_iter(match=prefix + "*")] == [
                f"{prefix}bucket:cost:ip:10.0.0.1".encode()
            ]
        async with http_client(engine, settings, **{**shared, "redis_url": None}) as local:
            assert (await query(local)).status_code == 200  # in process: a bucket of its own


async def test_a_redis_that_does_not_answer_lets_requests_through(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, redis_url="redis://127.0.0.1:1/0", rate_limit_bucket=5) as http:
        for _ in range(2):
            assert (await query(http)).status_code == 200
