"""Running promotions price every cart and order on their own, in every channel they cover: percent
off, flash-sale prices with a per-member limit, free shipping, points multipliers, store promotions
and schedules. What a cart shows is what checkout charges."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Channel
from domain.access.model import StaffRole
from domain.clock import system_clock
from domain.promotions import Conditions, FixedPrice, FreeShipping, PercentOff, PointsMultiplier
from tests.api.test_carts import READ, Shop, address, amounts, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import new_member
from tests.api.test_order_flow import CANCEL, PAY
from tests.helpers import StatementCounter
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_promotion

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
async def shop(client: Any, demo: AsyncEngine) -> Shop:
    return await open_shop(client, demo)


async def channel_id(shop: Shop, slug: str) -> int:
    async with shop.engine.connect() as conn:
        return int(await conn.scalar(sa.select(Channel.id).where(Channel.slug == slug)) or 0)


def discounts(cart: dict[str, Any]) -> list[list[dict[str, str]]]:
    return [ln["discounts"] for ln in cart["lines"]]


async def test_a_running_promotion_prices_carts_of_its_channels_only(shop: Shop) -> None:
    online = await channel_id(shop, "online")
    await add_promotion(
        shop.engine, PercentOff(Decimal(20)), name="Spring sale", conditions=Conditions(channel_ids=frozenset({online}))
    )
    cart = await shop.cart([(0, 1), (2, 1)])  # 50.00 + 9.99
    assert discounts(cart) == [[{"label": "Spring sale"}]] * 2
    assert amounts(cart) == {
        "subtotal": "59.99",
        "discountTotal": "12.00",
        "pointsDiscount": "0.00",
        "shipping": "0.00",
        "total": "47.99",
    }
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    till = await shop.cart([(0, 1)], channel="pos", token=cashier)
    assert discounts(till) == [[]] and till["total"]["amount"] == "50.00"


async def test_scheduled_and_finished_promotions_do_not_apply(shop: Shop) -> None:
    now = system_clock()
    await add_promotion(
        shop.engine, PercentOff(Decimal(50)), name="Later", conditions=Conditions(starts_at=now + timedelta(hours=1))
    )
    await add_promotion(
        shop.engine,
        PercentOff(Decimal(50)),
        name="Over",
        conditions=Conditions(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)),
    )
    cart = await shop.cart([(0, 1)])
    assert discounts(cart) == [[]] and cart["total"]["amount"] == "50.00"


async def test_checkout_charges_what_the_cart_showed_and_records_each_discount(shop: Shop) -> None:
    await add_promotion(shop.engine, PercentOff(Decimal(10)), name="Ten off", priority=1)
    await add_promotion(shop.engine, FreeShipping(), name="Free delivery", priority=2)
    ann = await new_member(shop.client)
    cart = await shop.cart([(1, 1)], token=ann.token)  # 120.00, below the 199.00 free-shipping threshold
    filled = (await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token))["cart"]
    assert amounts(filled) == {
        "subtotal": "120.00",
        "discountTotal": "12.00",
        "pointsDiscount": "0.00",
        "shipping": "0.00",
        "total": "108.00",
    }
    order = await placed(shop, cart["id"], token=ann.token)
    assert (order["discountTotal"]["amount"], order["shipping"]["amount"], order["total"]["amount"]) == (
        "12.00",
        "0.00",
        "108.00",
    )
    assert [ln["discounts"] for ln in order["lines"]] == [[{"label": "Ten off"}]]


async def test_a_flash_sale_price_holds_for_the_per_member_limit_across_orders(shop: Shop) -> None:
    await add_promotion(
        shop.engine,
        FixedPrice(Decimal("30.00"), per_member_limit=1),
        name="Flash",
        conditions=Conditions(variant_ids=frozenset({shop.variants[0]})),
    )
    ann = await new_member(shop.client)
    cart = await shop.cart([(0, 2)], token=ann.token)  # one unit at 30.00, one at 50.00
    assert cart["lines"][0]["total"]["amount"] == "80.00"
    await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    assert order["total"]["amount"] == "80.00"

    again = await shop.cart([(0, 1)], token=ann.token)
    assert again["total"]["amount"] == "50.00"  # her flash-sale unit is used up
    guest = await shop.cart([(0, 3)])
    assert guest["total"]["amount"] == "150.00"  # a per-member limit needs a member

    assert (await shop.client.data(CANCEL, {"id": order["id"]}, token=ann.token))["orderCancel"]["userErrors"] == []
    read = (await shop.client.data(READ, {"id": again["id"]}, token=ann.token))["cart"]
    assert read["total"]["amount"] == "30.00"  # a cancelled order gives the unit back


async def test_a_flash_sale_says_whether_guests_may_have_it(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    create = """mutation($input: PromotionCreateInput!) { promotionCreate(input: $input) {
      promotion { conditions { membersOnly } } userErrors { field code } } }"""
    made = []
    for variant, open_to_guests in ((0, None), (1, False)):
        conditions: dict[str, Any] = {"variantIds": [shop.v(variant)]}
        if open_to_guests is not None:
            conditions["membersOnly"] = open_to_guests
        made.append(
            (
                await shop.client.data(
                    create,
                    {
                        "input": {
                            "name": f"Flash {variant}",
                            "currency": "CNY",
                            "conditions": conditions,
                            "action": {"type": "FIXED_PRICE", "unitPrice": "30.00", "perMemberLimit": 1},
                        }
                    },
                    token=admin,
                )
            )["promotionCreate"]
        )
    assert [m["promotion"]["conditions"]["membersOnly"] for m in made] == [True, False]
    guest = await shop.cart([(0, 2), (1, 2)])
    assert [ln["total"]["amount"] for ln in guest["lines"]] == ["100.00", "150.00"]  # 2 x 50; 30 + 120
    ann = await new_member(shop.client)
    member = await shop.cart([(0, 2), (1, 2)], token=ann.token)
    assert [ln["total"]["amount"] for ln in member["lines"]] == ["80.00", "150.00"]


async def test_a_points_multiplier_multiplies_what_the_member_earns(shop: Shop) -> None:
    pos = await channel_id(shop, "pos")
    await add_promotion(
        shop.engine,
        PointsMultiplier(Decimal(3)),
        name="Triple points",
        conditions=Conditions(channel_ids=frozenset({pos})),
    )
    ann = await new_member(shop.client)
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier, member_id=ann.id)  # 120.00
    order = await placed(shop, cart["id"], token=cashier)
    paid = (await shop.client.data(PAY, {"id": order["id"], "method": "CASH", "amount": "120.00"}, token=cashier))[
        "orderPay"
    ]["order"]
    async with shop.engine.connect() as conn:
        rate = await conn.scalar(sa.select(Channel.points_per_unit).where(Channel.id == pos))
    assert paid["status"] == "COMPLETED" and paid["pointsEarned"] == int(Decimal(120) * rate * 3)


async def test_a_store_promotion_applies_to_that_stores_sales_only(shop: Shop) -> None:
    await add_promotion(shop.engine, PercentOff(Decimal(10)), name="Store A week", location_id=shop.store_a)
    at_a = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a, email="a@x.com")
    at_b = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_b, email="b@x.com")
    assert (await shop.cart([(0, 1)], channel="pos", token=at_a))["total"]["amount"] == "45.00"
    assert (await shop.cart([(0, 1)], channel="pos", token=at_b))["total"]["amount"] == "50.00"
    online = await shop.cart([(0, 1)])
    assert online["total"]["amount"] == "50.00"
    picked = await shop.fulfil(online["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)})
    assert picked["cart"]["total"]["amount"] == "45.00"  # picked up at store A: its sale


async def test_reading_carts_with_promotions_costs_the_same_statements_for_one_or_three(
    shop: Shop, statements: StatementCounter
) -> None:
    await add_promotion(
        shop.engine, PercentOff(Decimal(10)), name="Ten off", conditions=Conditions(category_ids=frozenset({1, 2, 3}))
    )
    ids = [(await shop.cart([(0, 1), (1, 2)]))["id"] for _ in range(3)]
    query = (
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Cart { total { amount } lines { discounts { label } "
        "total { amount } } } } }"
    )
    counts = []
    for size in (1, 3):
        statements.reset()
        await shop.client.data(query, {"ids": ids[:size]})
        counts.append(statements.count)
    assert counts[0] == counts[1], counts
