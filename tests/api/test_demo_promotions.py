"""The demo data's promotions, as the README's walkthrough uses them: the WELCOME10 campaign, the
flash sale on the first variant, and "Spend 300, save 30"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from db.models import Promotion
from tests.api.test_carts import errors
from tests.api.test_coupons import APPLY, CLAIM
from tests.api.test_members import new_member
from tests.inventory_fixtures import variant_gid

PRICE = """query($id: ID!) { node(id: $id) { ... on ProductVariant { price(channel: "online") { amount } } } }"""


async def test_the_demo_welcome10_campaign_and_promotions_work_as_the_readme_says(
    engine: AsyncEngine, client: Any
) -> None:
    await seed_demo(engine, products=60, seed=1)
    ann = await new_member(client)
    coupon = (await client.data(CLAIM, {"code": "WELCOME10"}, token=ann.token))["couponClaim"]
    assert coupon["userErrors"] == [] and coupon["coupon"]["status"] == "ACTIVE"
    again = (await client.data(CLAIM, {"code": "WELCOME10"}, token=ann.token))["couponClaim"]
    assert errors(again) == [("COUPON_LIMIT_REACHED", ["code"])]

    async with engine.connect() as conn:
        conditions = await conn.scalar(sa.select(Promotion.conditions).where(Promotion.name == "Flash sale"))
    flash = {"id": variant_gid(conditions["variantIds"][0])}  # half price, 2 per member
    flash["price"] = (await client.data(PRICE, {"id": flash["id"]}))["node"]["price"]
    made = (
        await client.data(
            "mutation($input: CartCreateInput!) { cartCreate(input: $input) { cart { id total { amount } "
            "lines { discounts { label amount { amount } } } } } }",
            {"input": {"channel": "online", "lines": [{"variantId": flash["id"], "quantity": 3}]}},
            token=ann.token,
        )
    )["cartCreate"]["cart"]
    labels = {d["label"] for d in made["lines"][0]["discounts"]}
    assert "Flash sale" in labels
    price = Decimal(flash["price"]["amount"])
    half = (price / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    expected = price * 3 - 2 * (price - half)
    assert expected < 300  # so "Spend 300, save 30" stays out (it counts what the flash sale left)
    assert Decimal(made["total"]["amount"]) == expected
    applied = await client.data(APPLY, {"id": made["id"], "code": "welcome10"}, token=ann.token)
    assert applied["cartCouponApply"]["userErrors"] == []
    assert "Coupon " + coupon["coupon"]["code"] in {
        d["label"] for d in applied["cartCouponApply"]["cart"]["lines"][0]["discounts"]
    }
