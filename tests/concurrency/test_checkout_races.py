"""Checkout under real parallel load on PostgreSQL, through the graph as clients call it.

Requests go through the ASGI app concurrently (`asyncio.gather`, bounded by a semaphore); each has
its own session and transaction from the engine's pool, so up to the pool's size of transactions
race on the same cart, stock level or order row at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.settings import Settings
from db.models import Order, Payment
from domain.inventory.model import LocationType
from domain.promotions import Conditions, FixedPrice
from tests.api.test_carts import CREATE, FULFIL, address, open_shop, set_price
from tests.api.test_checkout import CHECKOUT
from tests.api.test_members import new_member
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import (
    Level,
    add_location,
    ledger,
    level,
    location_gid,
    sellable_products,
    set_stock,
    variant_gid,
)
from tests.promotion_fixtures import add_promotion

pytestmark = pytest.mark.usefixtures("demo")
T = TypeVar("T")

PAY = """mutation($id: ID!, $amount: Decimal!) {
  orderPay(id: $id, input: {method: SANDBOX, amount: $amount}) { order { status } userErrors { code } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Buyers pay with the test gateway here (tests/hostile/test_checkout.py: refused in production)."""
    return settings.model_copy(update={"payments_sandbox": True})


async def bounded(limit: int, calls: list[Awaitable[T]]) -> list[T]:
    """Run the coroutines `limit` at a time, in parallel."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


async def hot_sku(pg: AsyncEngine, units: int) -> tuple[int, int]:
    """One variant (99.00 online) with `units` in a warehouse, and nowhere else."""
    [product] = await sellable_products(pg, 1)
    v = product.variant_ids[0]
    await set_price(pg, v, Decimal("99.00"), ("online",))
    warehouse = await add_location(pg, type=LocationType.WAREHOUSE)
    await set_stock(pg, v, warehouse, on_hand=units)
    return v, warehouse


async def ready_cart(client: GraphQLClient, variant_id: int, quantity: int = 1) -> str:
    created = await client.data(
        CREATE, {"input": {"lines": [{"variantId": variant_gid(variant_id), "quantity": quantity}]}}
    )
    cart_id: str = created["cartCreate"]["cart"]["id"]
    fulfilled = await client.data(FULFIL, {"id": cart_id, "input": {"method": "DELIVERY", "address": address()}})
    assert fulfilled["cartFulfillmentSet"]["userErrors"] == []
    return cart_id


def outcome(body: dict[str, Any], name: str = "checkoutComplete") -> str:
    if "errors" in body:
        return "ERROR: " + body["errors"][0]["message"]
    codes = [e["code"] for e in body["data"][name]["userErrors"]]
    return codes[0] if codes else "OK"


async def test_20_concurrent_checkouts_with_one_key_make_one_order(pg: AsyncEngine, client: GraphQLClient) -> None:
    v, warehouse = await hot_sku(pg, 10)
    cart_id = await ready_cart(client, v, 3)
    bodies = await bounded(20, [client.post(CHECKOUT, {"id": cart_id, "key": "tap-tap-tap"}) for _ in range(20)])
    assert Counter(outcome(b) for b in bodies) == {"OK": 20}
    assert len({b["data"]["checkoutComplete"]["order"]["id"] for b in bodies}) == 1
    async with pg.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert await level(pg, v, warehouse) == Level(10, 3)


BUYERS, UNITS, AT_ONCE = 1000, 100, 64


async def test_a_flash_sale_of_100_units_to_1000_buyers_sells_exactly_100(
    pg: AsyncEngine, client: GraphQLClient
) -> None:
    """Double-11: 1,000 buyers, 64 at a time, race through the whole cart-to-checkout flow for 100 units."""
    v, warehouse = await hot_sku(pg, UNITS)

    async def buy(i: int) -> dict:
        cart = await ready_cart(client, v)
        return await client.post(CHECKOUT, {"id": cart, "key": f"buy-{i}"})

    bodies = await bounded(AT_ONCE, [buy(i) for i in range(BUYERS)])
    outcomes = Counter(outcome(b) for b in bodies)
    assert outcomes == {"OK": UNITS, "INSUFFICIENT_STOCK": BUYERS - UNITS}, outcomes
    refused = [b["data"]["checkoutComplete"]["userErrors"][0]["field"] for b in bodies if outcome(b) != "OK"]
    assert all(field == ["lines", "0"] for field in refused)
    assert await level(pg, v, warehouse) == Level(UNITS, UNITS)
    async with pg.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Order)) == UNITS
    assert [r for r in await ledger(pg) if not r.consistent] == []


async def test_an_order_paid_twice_at_once_is_paid_once(pg: AsyncEngine, client: GraphQLClient) -> None:
    v, _ = await hot_sku(pg, 5)
    cart_id = await ready_cart(client, v)
    order = (await client.data(CHECKOUT, {"id": cart_id, "key": "k"}))["checkoutComplete"]["order"]
    bodies = await bounded(
        10, [client.post(PAY, {"id": order["id"], "amount": order["total"]["amount"]}) for _ in range(10)]
    )
    assert Counter(outcome(b, "orderPay") for b in bodies) == {"OK": 1, "INVALID_TRANSITION": 9}
    async with pg.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


async def test_a_members_checkouts_at_once_get_the_flash_price_only_up_to_the_limit(
    pg: AsyncEngine, client: GraphQLClient
) -> None:
    """Eight tabs, one member, one flash-sale unit each: one order gets it, the others pay the list price."""
    shop = await open_shop(client, pg)
    await add_promotion(
        pg,
        FixedPrice(Decimal("30.00"), per_member_limit=1),
        name="Flash",
        conditions=Conditions(variant_ids=frozenset({shop.variants[0]})),
    )
    ann = await new_member(client)
    carts = [await shop.cart([(0, 1)], token=ann.token) for _ in range(8)]
    for cart in carts:
        assert cart["total"]["amount"] == "30.00"  # each cart alone is within her limit
        await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, ann.token)
    bodies = await bounded(8, [client.post(CHECKOUT, {"id": c["id"], "key": "k"}, token=ann.token) for c in carts])
    assert Counter(outcome(b) for b in bodies) == {"OK": 8}
    totals = sorted(b["data"]["checkoutComplete"]["order"]["total"]["amount"] for b in bodies)
    assert totals == ["30.00"] + ["50.00"] * 7, totals
