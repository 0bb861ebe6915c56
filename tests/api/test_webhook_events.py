"""Every webhook event the graph's own changes make, delivered signed to a real receiver: an order's
whole life (created, paid, fulfilled, completed, returned; another cancelled; a pickup collected),
stock, a product, a member registered and erased, a coupon redeemed at a till. ORDER_FULFILLED
comes once an order's last fulfilment leaves, not with each part."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from standardwebhooks.webhooks import Webhook as Verifier

from api.settings import Settings
from db import outbox
from db.models import WebhookDelivery
from domain.access.model import StaffRole
from domain.apps.webhooks import PAYLOAD_SUBJECTS
from domain.promotions import PercentOff
from schema.relay import to_global_id
from tests.api.test_carts import Shop, open_shop
from tests.api.test_fulfilments import ADJUST, SHIP_ONE, split_order
from tests.api.test_order_flow import (
    CANCEL,
    DELIVER,
    PICKUP,
    READY,
    RETURN,
    SHIP,
    delivery_order,
    member_with_points,
    pay,
    pickup_order,
    run,
)
from tests.api.test_webhooks import Hooked, hooked_app
from tests.helpers import until
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_template
from tests.webhook_receiver import Received

EVERY = [e.value for e in PAYLOAD_SUBJECTS]  # all but settlement and payment events (other areas')
CLAIM = 'mutation { couponClaim(code: "SPRING10") { coupon { id code } userErrors { code } } }'
REDEEM = "mutation($code: String!) { couponRedeem(code: $code) { userErrors { code } } }"


@pytest.fixture
async def hooked(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Hooked]:
    async with hooked_app(demo, settings) as h:
        yield h


async def received_until(hooked: Hooked, path: str, wanted: set[str]) -> list[dict[str, Any]]:
    """The bodies delivered to `path` once every event in `wanted` has arrived."""
    count = 1
    while True:
        received = await hooked.receiver.wait_for(path, count)
        if {orjson.loads(r.body)["event"] for r in received} >= wanted:
            return [orjson.loads(r.body) for r in received]
        count = len(received) + 1


def data_of(bodies: list[dict[str, Any]], event: str) -> list[Any]:
    return [b["data"] for b in bodies if b["event"] == event]


async def test_every_event_of_the_graphs_own_changes_arrives_signed(hooked: Hooked) -> None:
    client = hooked.client
    shop = await open_shop(client, hooked.engine)
    await add_template(hooked.engine, PercentOff(Decimal(10)), name="Spring", campaign_code="SPRING10", valid_days=30)
    created = await hooked.webhook(await hooked.app(), "/all", EVERY)
    member = await member_with_points(shop)
    packer = await client.staff_token(hooked.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    cashier = await client.staff_token(hooked.engine, StaffRole.CASHIER, location_id=shop.store_a)
    manager = await client.staff_token(
        hooked.engine, StaffRole.STORE_MANAGER, email="cs@example.com", location_id=shop.store_a
    )

    order = await delivery_order(shop, member.token)
    await pay(shop, order, member.token)
    assert (await run(shop, SHIP, "orderShip", packer, id=order["id"]))["userErrors"] == []
    assert (await run(shop, DELIVER, "orderDeliver", packer, id=order["id"]))["userErrors"] == []
    back = {"lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]}
    assert (await run(shop, RETURN, "orderReturn", manager, id=order["id"], input=back))["userErrors"] == []
    dropped = await delivery_order(shop, member.token)
    assert (await run(shop, CANCEL, "orderCancel", member.token, id=dropped["id"]))["userErrors"] == []
    collected = await pickup_order(shop, member)
    await pay(shop, collected, member.token)
    assert (await run(shop, READY, "orderReadyForPickup", cashier, id=collected["id"]))["userErrors"] == []
    done = await run(shop, PICKUP, "orderPickup", cashier, id=collected["id"], code=collected["pickupCode"])
    assert done["userErrors"] == []
    product = to_global_id("Product", 1)
    renamed = await client.data(
        'mutation($id: ID!) { productUpdate(id: $id, input: {name: "Renamed"}) { userErrors { code } } }',
        {"id": product},
        token=hooked.admin,
    )
    assert renamed["productUpdate"]["userErrors"] == []
    coupon = (await client.data(CLAIM, token=member.token))["couponClaim"]["coupon"]
    assert (await client.data(REDEEM, {"code": coupon["code"]}, token=cashier))["couponRedeem"]["userErrors"] == []
    erased = await client.data("mutation { memberErase { userErrors { code } } }", token=member.token)
    assert erased["memberErase"]["userErrors"] == []

    bodies = await received_until(hooked, "/all", set(EVERY))
    assert {b["event"] for b in bodies} == set(EVERY)
    for r in hooked.receiver.at("/all"):
        assert Verifier(created["secret"]).verify(r.body, r.headers) == orjson.loads(r.body)
    numbers = {"order": order["number"], "dropped": dropped["number"], "collected": collected["number"]}
    fulfilled = {d["order"]["number"] for d in data_of(bodies, "ORDER_FULFILLED")}
    assert fulfilled == {numbers["order"], numbers["collected"]}  # shipped, and collected at the store
    assert {d["order"]["number"] for d in data_of(bodies, "ORDER_COMPLETED")} == fulfilled
    returned = {"number": numbers["order"], "status": "PARTIALLY_RETURNED"}
    assert data_of(bodies, "ORDER_RETURNED") == [{"order": returned}]
    assert [d["order"]["number"] for d in data_of(bodies, "ORDER_CANCELLED")] == [numbers["dropped"]]
    assert {d["order"]["number"] for d in data_of(bodies, "ORDER_CREATED")} == set(numbers.values())
    assert {d["order"]["number"] for d in data_of(bodies, "ORDER_PAID")} == fulfilled
    assert data_of(bodies, "COUPON_REDEEMED") == [{"coupon": {"id": coupon["id"]}}]
    assert data_of(bodies, "MEMBER_ERASED") == [{"member": {"id": member.id}}]
    assert {"member": {"id": member.id}} in data_of(bodies, "MEMBER_CREATED")
    assert {"product": {"id": product}} in data_of(bodies, "PRODUCT_UPDATED")
    variant = {"id": to_global_id("ProductVariant", shop.variants[0])}
    assert {"variant": variant, "location": {"id": location_gid(shop.store_a)}} in data_of(bodies, "STOCK_CHANGED")


async def test_an_order_is_fulfilled_when_its_last_part_leaves_not_before(hooked: Hooked) -> None:
    client = hooked.client
    shop: Shop = await open_shop(client, hooked.engine)
    for variant, location in ((0, shop.warehouse), (1, shop.store_a)):  # variant 0 only at A, 1 only in the warehouse
        change = {"variantId": shop.v(variant), "locationId": location_gid(location), "delta": -10, "reason": "test"}
        adjusted = await client.data(ADJUST, {"input": change}, token=hooked.admin)
        assert adjusted["stockAdjust"]["userErrors"] == []
    await hooked.webhook(await hooked.app(), "/fulfilled", ["ORDER_FULFILLED", "ORDER_PAID"])
    order = await split_order(shop)
    parts = (
        await client.data(
            "query($id: ID!) { order(id: $id) { fulfillments { id location { id } } } }",
            {"id": order["id"]},
            token=hooked.admin,
        )
    )["order"]["fulfillments"]
    first, second = sorted(parts, key=lambda f: f["location"]["id"] != location_gid(shop.store_a))
    packers = {
        f["id"]: await client.staff_token(
            hooked.engine, StaffRole.FULFILLMENT, email=f"p{i}@example.com", location_id=location
        )
        for i, (f, location) in enumerate(((first, shop.store_a), (second, shop.warehouse)))
    }
    shipped = await run(shop, SHIP_ONE, "fulfillmentShip", packers[first["id"]], id=first["id"], tracking="A1")
    assert shipped["userErrors"] == []
    await drained(hooked.engine)
    assert await deliveries_of(hooked.engine) == ["ORDER_PAID"]  # one part shipped: not fulfilled yet
    shipped = await run(shop, SHIP_ONE, "fulfillmentShip", packers[second["id"]], id=second["id"], tracking="W2")
    assert shipped["fulfillment"]["order"]["status"] == "SHIPPED"
    received = await hooked.receiver.wait_for("/fulfilled", 2)
    assert events_at(received) == ["ORDER_PAID", "ORDER_FULFILLED"]
    assert orjson.loads(received[1].body)["data"] == {"order": {"number": order["number"], "status": "SHIPPED"}}


async def drained(engine: AsyncEngine) -> None:
    """Until the relay has turned every committed outbox row into deliveries."""

    async def published() -> bool:
        async with AsyncSession(engine) as session:
            return not await outbox.pending(session)

    await until(published, "the outbox relayed")


async def deliveries_of(engine: AsyncEngine) -> list[str]:
    async with AsyncSession(engine) as session:
        return list(await session.scalars(sa.select(WebhookDelivery.event).order_by(WebhookDelivery.id)))


def events_at(received: list[Received]) -> list[str]:
    return [orjson.loads(r.body)["event"] for r in received]
