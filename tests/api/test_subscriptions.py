"""Subscriptions over WebSocket (`graphql-transport-ws`), as a store dashboard or an order page uses
them: a change committed through the graph reaches the subscriber with the state after it; a
rolled-back change sends nothing; nobody watches an order they may not read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.events import LocalBus
from api.settings import Settings
from db.models.outbox import OutboxEvent
from domain.access.model import StaffRole
from tests.api.test_carts import address, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import new_member
from tests.api.test_order_flow import PAY
from tests.helpers import GraphQLClient, until, view_of
from tests.inventory_fixtures import location_gid

pytestmark = pytest.mark.usefixtures("demo")

PROTOCOL = "graphql-transport-ws"
STOCK = """subscription($v: [ID!]!, $l: ID) { stockChanged(variantIds: $v, locationId: $l) {
  available location { id } variant { id } } }"""
ORDER = "subscription($id: ID!) { orderUpdated(id: $id) { number status amountDue { amount } } }"
ADJUST = """mutation($v: ID!, $l: ID!, $d: Int!) { stockAdjust(input: {variantId: $v, locationId: $l, delta: $d,
  reason: "count"}) { stockLevel { onHand } userErrors { code } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The buyer pays with the test gateway here (refused in production)."""
    return settings.model_copy(update={"payments_sandbox": True})


@asynccontextmanager
async def serving(engine: AsyncEngine, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, LocalBus]]:
    """One app serving both HTTP and WebSocket, as a browser reaches it (opened and closed in the
    test's own task, as the WebSocket transport requires), and its event bus."""
    app = create_app(settings.model_copy(update={"events_interval": 0.05}), engine=engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://testserver") as c,
    ):
        yield c, view_of(app).state.stores.bus


async def heard(bus: LocalBus, subscriptions: int = 1) -> None:
    """Wait until `subscriptions` are listening on the bus: a subscription starts listening only once its
    checks have run, and a change committed before then is not for it."""
    await until(lambda: bus.subscriptions() == subscriptions, f"{subscriptions} subscription(s) listening")


async def published(engine: AsyncEngine) -> None:
    """Wait until the relay has published every committed event, so that a new subscriber hears only
    what happens next."""

    async def relayed() -> bool:
        async with engine.connect() as conn:
            return not await conn.scalar(
                sa.select(sa.func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
            )

    await until(relayed, "the outbox relay's publishing")


class Socket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def start(self, query: str, variables: dict[str, Any], op: str = "1") -> None:
        await self.ws.send_json({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}})

    async def next(self) -> dict[str, Any]:
        message: dict[str, Any] = await self.ws.receive_json(timeout=5)
        return message

    async def nothing(self) -> bool:
        """True when nothing arrives for half a second."""
        try:
            await self.ws.receive_json(timeout=0.5)
        except TimeoutError:
            return True
        return False


async def connected(http: httpx.AsyncClient, stack: Any, token: str | None = None) -> Socket:
    ws = await stack.enter_async_context(aconnect_ws("/graphql", http, subprotocols=[PROTOCOL]))
    await ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
    assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
    return Socket(ws)


async def test_stock_changes_reach_a_subscriber_after_commit(demo: AsyncEngine, settings: Settings) -> None:
    async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
        shop = await open_shop(GraphQLClient(http), demo)
        admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
        socket = await connected(http, stack)
        await socket.start(STOCK, {"v": [shop.v(0)], "l": location_gid(shop.store_a)})
        await heard(bus)
        done = await shop.client.data(ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a), "d": -3}, token=admin)
        assert done["stockAdjust"]["userErrors"] == []
        event = await socket.next()
        assert event["type"] == "next"
        level = event["payload"]["data"]["stockChanged"]
        assert (level["available"], level["variant"]["id"]) == (7, shop.v(0))
        # another location, or a refused change (nothing committed), sends nothing
        await shop.client.data(ADJUST, {"v": shop.v(0), "l": location_gid(shop.warehouse), "d": -1}, token=admin)
        refused = await shop.client.data(
            ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a), "d": -100}, token=admin
        )
        assert refused["stockAdjust"]["userErrors"] != []
        assert await socket.nothing()


async def test_order_updates_reach_the_buyer_and_only_those_who_may_read_the_order(
    demo: AsyncEngine, settings: Settings
) -> None:
    async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
        shop = await open_shop(GraphQLClient(http), demo)
        ann, bob = await new_member(shop.client), await new_member(shop.client, "bob@example.com")
        cart = await shop.cart([(0, 1)], token=ann.token)
        await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token)
        order = await placed(shop, cart["id"], token=ann.token)
        await published(demo)  # the checkout's own events, before anyone subscribes
        mine = await connected(http, stack, ann.token)
        await mine.start(ORDER, {"id": order["id"]})
        other = await connected(http, stack, bob.token)
        await other.start(ORDER, {"id": order["id"]})
        refused = await other.next()
        assert refused["type"] == "next" and refused["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["NOT_FOUND"]
        assert (await other.next())["type"] == "complete"
        await heard(bus)  # only the buyer's
        paid = await shop.client.data(PAY, {"id": order["id"], "method": "SANDBOX", "amount": "60.00"}, token=ann.token)
        assert paid["orderPay"]["userErrors"] == []
        event = await mine.next()
        assert event["payload"]["data"]["orderUpdated"] == {
            "number": order["number"],
            "status": "PAID",
            "amountDue": {"amount": "0.00"},
        }


async def test_a_bad_token_is_refused_at_connection(engine: AsyncEngine, settings: Settings) -> None:
    async with serving(engine, settings) as (http, _bus), aconnect_ws("/graphql", http, subprotocols=[PROTOCOL]) as ws:
        await ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer nonsense"}})
        with pytest.raises(Exception):  # noqa: B017 - the server closes the socket (4403)
            await ws.receive_json(timeout=5)


FULFILMENTS = """subscription($l: ID) { fulfillmentUpdated(locationId: $l) {
  status location { id } order { status } lines { quantity } } }"""


async def test_a_stores_queue_hears_of_its_fulfilments_and_another_store_is_refused(
    demo: AsyncEngine, settings: Settings
) -> None:
    async with serving(demo, settings) as (http, bus), AsyncExitStack() as stack:
        shop = await open_shop(GraphQLClient(http), demo)
        packer = await shop.client.staff_token(demo, StaffRole.FULFILLMENT, location_id=shop.store_a)
        cashier_b = await shop.client.staff_token(demo, StaffRole.CASHIER, location_id=shop.store_b)
        cart = await shop.cart([(0, 2)])
        await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})  # store A is nearest
        order = await placed(shop, cart["id"])
        await published(demo)
        store = await connected(http, stack, packer)
        await store.start(FULFILMENTS, {})
        other = await connected(http, stack, cashier_b)
        await other.start(FULFILMENTS, {"l": location_gid(shop.store_a)})
        refused = await other.next()
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["FORBIDDEN"]
        await heard(bus)
        paid = await shop.client.data(PAY, {"id": order["id"], "method": "SANDBOX", "amount": "110.00"})
        assert paid["orderPay"]["userErrors"] == []
        event = await store.next()
        assert event["payload"]["data"]["fulfillmentUpdated"] == {
            "status": "PENDING",
            "location": {"id": location_gid(shop.store_a)},
            "order": {"status": "PAID"},
            "lines": [{"quantity": 2}],
        }
