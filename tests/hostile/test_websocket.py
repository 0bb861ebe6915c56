"""Hostile and careless WebSocket clients, as they reach the server: the socket carries
subscriptions only, holds no pooled database connection between events, and is held to the same
limits as HTTP. `graphql-ws` (the legacy subprotocol Python `gql` picks by default) follows the
same rules as `graphql-transport-ws`."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from httpx_ws import aconnect_ws
from sqlalchemy.ext.asyncio import AsyncEngine

from api.settings import Settings
from api.websocket import TextWebSocket
from domain.access.model import StaffRole
from tests.api.test_carts import address, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import ERASE, new_member
from tests.api.test_order_flow import CANCEL
from tests.api.test_subscriptions import ADJUST, ORDER, PROTOCOL, STOCK, connected, heard, published, serving
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import location_gid

LEGACY = "graphql-ws"
CHANNELS = "{ channels { slug } }"
PRODUCTS = "{ products(first: 1) { edges { node { name } } } }"  # reads the database (channels are cached)
HTTP_SECONDS = (
    10.0  # a pool that is not exhausted answers at once (slower on a loaded machine); an exhausted one waits 30 s
)


async def answers_quickly(http: httpx.AsyncClient) -> None:
    """HTTP keeps answering while the sockets are open: a query and the readiness check."""
    started = time.monotonic()
    query = await asyncio.wait_for(http.post("/graphql", json={"query": CHANNELS}), HTTP_SECONDS)
    ready = await asyncio.wait_for(http.get("/health/ready"), HTTP_SECONDS)
    assert query.status_code == 200 and "errors" not in query.json()
    assert ready.json() == {"status": "ok", "database": "up"}
    assert time.monotonic() - started < HTTP_SECONDS


async def pool_whole(pool: Any, idle: int) -> bool:
    """Every connection is back in the pool (allowing for the outbox relay's scan in progress, which a
    loaded machine makes slower)."""
    for _ in range(200):
        if pool.checkedout() == idle:
            return True
        await asyncio.sleep(0.05)
    return False


def refused_for_http(message: dict[str, Any], op: str) -> None:
    """A query or mutation on the socket: an `error` for its id, saying to use HTTP POST."""
    assert message["type"] == "error" and message["id"] == op
    payload = message["payload"]
    error = payload[0] if isinstance(payload, list) else payload
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "POST /graphql" in error["message"]


async def test_thirty_sockets_sending_queries_hold_no_database_connection(
    demo: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    pool = demo.pool
    async with serving(demo, settings) as (http, bus):
        shop = await open_shop(GraphQLClient(http), demo)
        idle = pool.checkedout()
        async with AsyncExitStack() as stack:
            sockets = [await connected(http, stack) for _ in range(30)]
            for i, socket in enumerate(sockets):
                if i % 3 == 0:  # some watch stock as well
                    await socket.start(STOCK, {"v": [shop.v(0)], "l": location_gid(shop.store_a)}, op="s")
                await socket.ws.send_json({"id": "q", "type": "subscribe", "payload": {"query": PRODUCTS}})
            for socket in sockets:
                refused_for_http(await socket.next(), "q")
            await answers_quickly(http)
            assert await pool_whole(pool, idle)
            admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
            await heard(bus, len(sockets[::3]))
            done = await shop.client.data(
                ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a), "d": -1}, token=admin
            )
            assert done["stockAdjust"]["userErrors"] == []
            for socket in sockets[::3]:  # every watcher hears of it, and gives its session back
                event = await socket.next()
                assert event["id"] == "s" and event["payload"]["data"]["stockChanged"]["available"] == 9
            await answers_quickly(http)
            assert await pool_whole(pool, idle)
        await answers_quickly(http)
        assert await pool_whole(pool, idle)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# relay, webhooks, reports, purge, counts
BACKGROUND = ("OutboxRelay.", "DeliveryWorker.", "ReportFeeder.", "DeliveryPurge.", "run_count_folding")


async def test_an_event_gives_its_connection_back_before_it_is_sent(
    demo: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that reads slowly makes the send wait: by then the event must hold no connection."""
    held: dict[int, asyncio.Task[Any] | None] = {}  # pooled connection -> the task that checked it out

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        held[id(record)] = asyncio.current_task()

    def checkin(_dbapi: Any, record: Any) -> None:
        held.pop(id(record), None)

    holding_while_sending: list[bool] = []
    send = TextWebSocket.send_json

    async def watched_send(self: TextWebSocket, message: Any) -> None:
        if message.get("type") == "next":  # nothing else runs now but the background loops
            holding_while_sending.append(
                any(t is None or not t.get_coro().__qualname__.startswith(BACKGROUND) for t in held.values())
            )
        await send(self, message)

    monkeypatch.setattr(TextWebSocket, "send_json", watched_send)
    pool = demo.sync_engine.pool
    sa.event.listen(pool, "checkout", checkout)
    sa.event.listen(pool, "checkin", checkin)
    try:
        async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
            shop = await open_shop(GraphQLClient(http), demo)
            admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
            socket = await connected(http, stack)
            await socket.start(STOCK, {"v": [shop.v(0)], "l": location_gid(shop.store_a)})
            await heard(bus)
            await shop.client.data(ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a), "d": -1}, token=admin)
            assert (await socket.next())["payload"]["data"]["stockChanged"]["available"] == 9
    finally:
        sa.event.remove(pool, "checkout", checkout)
        sa.event.remove(pool, "checkin", checkin)
    assert holding_while_sending == [False]


async def test_mutations_over_the_socket_run_nothing(engine: AsyncEngine, settings: Settings) -> None:
    """A mutation is refused before it runs: no sign-in attempt that bypasses the sign-in limits."""
    sign_in = (
        'mutation { tokenCreate(input: {identifier: "a@example.com", password: "guess"}) { userErrors { code } } }'
    )
    async with serving(engine, settings) as (http, _bus), AsyncExitStack() as stack:
        socket = await connected(http, stack)
        await socket.ws.send_json({"id": "m", "type": "subscribe", "payload": {"query": sign_in}})
        refused_for_http(await socket.next(), "m")
        assert await socket.nothing()


async def legacy_socket(http: httpx.AsyncClient, stack: AsyncExitStack) -> Any:
    ws = await stack.enter_async_context(aconnect_ws("/graphql", http, subprotocols=[LEGACY]))
    await ws.send_json({"type": "connection_init", "payload": {}})
    assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
    return ws


async def test_legacy_graphql_ws_refuses_queries_with_a_coded_error_and_no_traceback(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(engine, settings) as (http, _bus), AsyncExitStack() as stack:
        ws = await legacy_socket(http, stack)
        await ws.send_json({"id": "1", "type": "start", "payload": {"query": PRODUCTS}})
        refused_for_http(await ws.receive_json(timeout=5), "1")
        await answers_quickly(http)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_legacy_graphql_ws_serves_subscriptions(demo: AsyncEngine, settings: Settings) -> None:
    """What a Python `gql` client sees with its default transport."""
    async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
        shop = await open_shop(GraphQLClient(http), demo)
        admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
        ws = await legacy_socket(http, stack)
        await ws.send_json(
            {
                "id": "1",
                "type": "start",
                "payload": {"query": STOCK, "variables": {"v": [shop.v(0)], "l": location_gid(shop.store_a)}},
            }
        )
        await heard(bus)
        await shop.client.data(ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a), "d": -2}, token=admin)
        event = await ws.receive_json(timeout=5)
        assert event["type"] == "data" and event["payload"]["data"]["stockChanged"]["available"] == 8


@pytest.mark.parametrize("protocol", [PROTOCOL, LEGACY])
async def test_subscriptions_are_held_to_the_query_limits_and_charged(
    engine: AsyncEngine, settings: Settings, protocol: str
) -> None:
    """Depth and cost are refused before anything runs; each subscription is charged to the caller's
    bucket, so a flood of subscriptions is THROTTLED as a flood of queries would be."""
    limited = settings.model_copy(
        update={"max_query_depth": 2, "rate_limit_bucket": 3, "rate_limit_restore_rate": 0.001}
    )
    start = "subscribe" if protocol == PROTOCOL else "start"
    deep = 'subscription { orderUpdated(id: "x") { lines { variant { product { name } } } } }'
    cheap = 'subscription { orderUpdated(id: "x") { number } }'
    async with serving(engine, limited) as (http, _bus), AsyncExitStack() as stack:
        if protocol == PROTOCOL:
            ws = (await connected(http, stack)).ws
        else:
            ws = await legacy_socket(http, stack)

        async def codes(query: str, op: str) -> list[str]:
            await ws.send_json({"id": op, "type": start, "payload": {"query": query}})
            message = await ws.receive_json(timeout=5)
            while "payload" not in message:  # the `complete` of an earlier subscription
                message = await ws.receive_json(timeout=5)
            payload = message["payload"]
            errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
            return [e["extensions"]["code"] for e in errors]

        assert await codes(deep, "deep") == ["QUERY_TOO_COMPLEX"]
        seen = [await codes(cheap, str(i)) for i in range(6)]
        assert seen[0] == ["NOT_FOUND"]  # charged 1 point of 3, then ran
        assert ["THROTTLED"] in seen


async def test_an_erased_members_subscription_ends_at_its_next_event(demo: AsyncEngine, settings: Settings) -> None:
    async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
        shop = await open_shop(GraphQLClient(http), demo)
        ann = await new_member(shop.client)
        cart = await shop.cart([(0, 1)], token=ann.token)
        await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token)
        order = await placed(shop, cart["id"], token=ann.token)
        await published(demo)  # the checkout's own events, before anyone subscribes
        socket = await connected(http, stack, ann.token)
        await socket.start(ORDER, {"id": order["id"]})
        await heard(bus)
        admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
        assert (await shop.client.data(ERASE, {"id": ann.id}, token=admin))["memberErase"]["erased"] is True
        cancelled = await shop.client.data(CANCEL, {"id": order["id"]}, token=admin)
        assert cancelled["orderCancel"]["userErrors"] == []
        ended = await socket.next()
        assert ended["type"] == "next" and ended["payload"].get("data") is None
        assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == ["UNAUTHENTICATED"]
        assert (await socket.next())["type"] == "complete"
