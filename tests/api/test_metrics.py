"""Prometheus metrics (api/metrics.py): off by default; `/metrics` counts operations by type, bounded
name and outcome, times requests, and counts rate-limited operations, response cache lookups, pool
waits and the outbox backlog; a token guards it when set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.events import OutboxRelay
from api.metrics import Metrics, OperationNames
from api.metrics_port import metrics_app
from api.settings import Settings
from db import outbox
from db.engine import create_engine, create_session_factory
from domain.access.model import StaffRole
from domain.apps.webhooks import WebhookEventType
from tests.api.test_webhooks import Hooked, MovableClock
from tests.helpers import GraphQLClient, until
from tests.webhook_receiver import Receiver

CHANNELS = "query Channels { channels { slug } }"  # costs 5
BAD_SIGN_IN = """mutation SignIn { tokenCreate(input: {identifier: "nobody@example.com", password: "wrong-pass"})
  { accessToken userErrors { code } } }"""


@asynccontextmanager
async def served(engine: AsyncEngine, settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"metrics": True, **overrides}), engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with (at least) `labels`; 0 when there is none."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


async def scrape(http: httpx.AsyncClient, **headers: str) -> str:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_off_by_default(engine: AsyncEngine, settings: Settings) -> None:
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/metrics")).status_code == 404
        response = await http.post("/graphql", json={"query": CHANNELS})
        assert "x-request-id" not in response.headers  # nothing observes the request


async def test_three_queries_count_three_under_their_name_with_their_latency_and_cost(
    engine: AsyncEngine, settings: Settings
) -> None:
    async with served(engine, settings) as http:
        for _ in range(3):
            assert (await http.post("/graphql", json={"query": CHANNELS})).status_code == 200
        text = await scrape(http)
    ops = "omnishop_graphql_operations_total"
    assert sample(text, ops, type="query", operation="Channels", outcome="ok") == 3
    assert sample(text, "omnishop_http_request_duration_seconds_count", path="/graphql") == 3
    assert sample(text, "omnishop_http_responses_total", path="/graphql", status="200") == 3
    assert sample(text, "omnishop_graphql_query_cost_count") == 3
    assert sample(text, "omnishop_graphql_query_cost_sum") == 15


async def test_outcomes_tell_user_errors_refusals_and_errors_apart(engine: AsyncEngine, settings: Settings) -> None:
    async with served(engine, settings) as http:
        await http.post("/graphql", json={"query": BAD_SIGN_IN})
        await http.post("/graphql", json={"query": "query Broken { channels { nope } }"})
        await http.post("/graphql", json={"query": "query Unparsable {"})
        text = await scrape(http)
    ops = "omnishop_graphql_operations_total"
    assert sample(text, ops, type="mutation", operation="SignIn", outcome="user_error") == 1
    # an invalid document's name is not taken in: it counts as `other` (of no type when it does not parse)
    assert sample(text, ops, operation="Broken") == 0
    assert sample(text, ops, type="query", operation="other", outcome="refused") == 1
    assert sample(text, ops, type="unknown", operation="other", outcome="refused") == 1


async def test_a_rate_limited_request_counts_as_limited(engine: AsyncEngine, settings: Settings) -> None:
    async with served(engine, settings, rate_limit_bucket=6, rate_limit_restore_rate=0.01) as http:
        assert (await http.post("/graphql", json={"query": CHANNELS})).status_code == 200
        assert (await http.post("/graphql", json={"query": CHANNELS})).status_code == 429
        text = await scrape(http)
    assert sample(text, "omnishop_rate_limited_total") == 1
    assert sample(text, "omnishop_graphql_operations_total", operation="Channels", outcome="limited") == 1
    assert sample(text, "omnishop_http_responses_total", path="/graphql", status="429") == 1


async def test_response_cache_hits_and_misses_are_counted(engine: AsyncEngine, settings: Settings) -> None:
    async with served(engine, settings, response_cache=True) as http:
        for _ in range(3):
            await http.post("/graphql", json={"query": CHANNELS})
        text = await scrape(http)
    assert sample(text, "omnishop_response_cache_lookups_total", result="miss") == 1
    assert sample(text, "omnishop_response_cache_lookups_total", result="hit") == 2
    assert sample(text, "omnishop_graphql_operations_total", operation="Channels") == 1  # hits run nothing


async def test_the_token_guards_the_metrics(engine: AsyncEngine, settings: Settings) -> None:
    async with served(engine, settings, metrics_token=SecretStr("s3cret-scrape")) as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        await scrape(http, Authorization="Bearer s3cret-scrape")


async def test_with_a_port_of_their_own_the_metrics_leave_the_api_port(
    engine: AsyncEngine, settings: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with served(engine, settings, metrics_port=9464) as http:
        assert (await http.get("/metrics")).status_code == 404
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    app = metrics_app("tok")
    statuses: list[str] = []
    assert b"".join(app({}, lambda status, _headers: statuses.append(status))).startswith(b"A bearer token")
    app({"HTTP_AUTHORIZATION": "Bearer tok"}, lambda status, _headers: statuses.append(status))
    assert statuses == ["401 Unauthorized", "200 OK"]


def test_operation_names_are_bounded() -> None:
    names = OperationNames(cap=2)
    assert [names.label(n, True) for n in ("A", "B", "C", "A")] == ["A", "B", "other", "A"]
    assert names.label("A", False) == "other" and names.label(None, True) == "anonymous"
    assert OperationNames(5).label("not a name!", True) == "other"


async def test_a_checkout_that_waits_for_a_connection_is_counted(pg: AsyncEngine) -> None:
    engine = create_engine(pg.url.render_as_string(hide_password=False), pool_size=2)  # 2 connections in all
    metrics = Metrics()
    stop = metrics.watch_pool(engine)
    try:
        first, second = await engine.connect(), await engine.connect()
        assert metrics.pool_in_use._value.get() == 2

        async def give_back() -> None:
            await asyncio.sleep(0.2)
            await first.close()

        releasing = asyncio.create_task(give_back())
        async with engine.connect():
            pass
        await releasing
        await second.close()
        assert metrics.pool_waits._value.get() == 1 and metrics.pool_wait_seconds._value.get() >= 0.15
        assert metrics.pool_in_use._value.get() == 0
    finally:
        stop()
        await engine.dispose()


async def test_the_relay_counts_the_outbox_backlog(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await outbox.record(session, [("order:1", "1"), ("order:2", "2"), ("stock:3", "3")], datetime.now(UTC))
        await session.commit()
    from api.events import LocalBus

    relay = OutboxRelay(sessions, LocalBus(), 1.0)
    assert await relay.backlog() == 3
    await relay.drain_once()
    assert await relay.backlog() == 0


async def test_the_relay_counts_the_backlog_once_per_backlog_seconds_however_often_it_is_nudged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker under load makes a relay round per commit: one COUNT each would be the metrics' largest cost."""
    from api import events

    monkeypatch.setattr(events, "BACKLOG_SECONDS", 3600.0)
    counts: list[int] = []
    relay = OutboxRelay(create_session_factory(engine), events.LocalBus(), 60.0, on_backlog=counts.append)
    rounds = 0
    drain = relay.drain_once

    async def counted_round() -> int:
        nonlocal rounds
        rounds += 1
        return await drain()

    monkeypatch.setattr(relay, "drain_once", counted_round)
    task = asyncio.create_task(relay.run())
    try:
        for n in range(1, 6):
            await until(lambda n=n: rounds == n and len(counts) == 1, f"relay round {n}")
            relay.nudge()
        await until(lambda: rounds == 6, "the last round")
    finally:
        relay.stop()
        await task
    assert counts == [0]


async def test_webhook_attempts_are_counted_by_outcome(demo: AsyncEngine, settings: Settings) -> None:
    receiver = Receiver()
    await receiver.start()
    receiver.answers["/flaky"] = [(503, {})]
    receiver.answers["/gone"] = [(410, {})]
    overrides = {"webhook_allow_private_networks": True, "events_interval": 0.05}
    try:
        async with served(demo, settings, **overrides) as http:
            client = GraphQLClient(http)
            hooked = Hooked(client, demo, MovableClock(), receiver, await client.staff_token(demo, StaffRole.ADMIN))
            token = await hooked.app()
            for path in ("/ok", "/flaky", "/gone"):
                await hooked.webhook(token, path, ["PRODUCT_UPDATED"])
            await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1)
            attempts = "omnishop_webhook_deliveries_total"
            text = ""

            async def all_three() -> bool:
                nonlocal text
                text = await scrape(http)
                return sum(sample(text, attempts, outcome=o) for o in ("succeeded", "retry", "gone")) == 3

            await until(all_three, "three attempts counted")
    finally:
        await receiver.close()
    assert [sample(text, attempts, outcome=o) for o in ("succeeded", "retry", "gone", "failed")] == [1, 1, 1, 0]
