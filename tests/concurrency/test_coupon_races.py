"""Coupons under real parallel load on PostgreSQL, through the graph: a campaign never issues more
coupons than it has, and a coupon is redeemed once whichever way the attempts come (online
checkouts and till write-offs at the same moment)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.adapters.tokens import JwtTokens
from db.models import Coupon, CouponTemplate, Member, Order
from domain.access.model import StaffRole, member
from domain.clock import system_clock
from domain.promotions import AmountOff
from tests.api.test_carts import CREATE, FULFIL, address
from tests.api.test_checkout import CHECKOUT
from tests.api.test_coupons import APPLY, CLAIM, REDEEM
from tests.concurrency.test_checkout_races import bounded, hot_sku, outcome
from tests.conftest import TEST_SECRET
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import add_location, variant_gid
from tests.promotion_fixtures import add_template

pytestmark = pytest.mark.usefixtures("demo")
TOKENS = JwtTokens(secret_key=TEST_SECRET)


async def members(pg: AsyncEngine, count: int) -> list[str]:
    """`count` new members and an access token for each."""
    now = system_clock()
    async with pg.begin() as conn:
        ids = (
            await conn.scalars(
                sa.insert(Member).returning(Member.id, sort_by_parameter_order=True),
                [{"name": f"Buyer {i}", "points_balance": 0, "created_at": now} for i in range(count)],
            )
        ).all()
    return [TOKENS.issue(member(i), datetime.now(UTC)) for i in ids]


async def test_300_members_claiming_a_campaign_of_100_get_exactly_100(pg: AsyncEngine, client: GraphQLClient) -> None:
    template = await add_template(pg, AmountOff(Decimal(5)), campaign_code="RUSH100", total_quantity=100)
    tokens = await members(pg, 300)
    bodies = await bounded(64, [client.post(CLAIM, {"code": "RUSH100"}, token=t) for t in tokens])
    results = Counter(outcome(b, "couponClaim") for b in bodies)
    assert results == {"OK": 100, "COUPON_EXHAUSTED": 200}, results
    async with pg.connect() as conn:
        issued = await conn.scalar(sa.select(CouponTemplate.issued_count).where(CouponTemplate.id == template))
        coupons = await conn.scalar(
            sa.select(sa.func.count()).select_from(Coupon).where(Coupon.template_id == template)
        )
        holders = await conn.scalar(
            sa.select(sa.func.count(sa.distinct(Coupon.member_id))).where(Coupon.template_id == template)
        )
    assert issued == coupons == holders == 100


async def test_50_concurrent_redemptions_online_and_at_the_till_redeem_a_coupon_once(
    pg: AsyncEngine, client: GraphQLClient
) -> None:
    variant, _ = await hot_sku(pg, 100)
    await add_template(pg, AmountOff(Decimal(5)), campaign_code="ONCE")
    [token] = await members(pg, 1)
    code = (await client.data(CLAIM, {"code": "ONCE"}, token=token))["couponClaim"]["coupon"]["code"]
    carts = []
    for _ in range(25):  # 25 carts of the member, each with the coupon applied
        created = await client.data(
            CREATE, {"input": {"lines": [{"variantId": variant_gid(variant), "quantity": 1}]}}, token=token
        )
        cart_id = created["cartCreate"]["cart"]["id"]
        await client.data(FULFIL, {"id": cart_id, "input": {"method": "DELIVERY", "address": address()}}, token=token)
        applied = await client.data(APPLY, {"id": cart_id, "code": code}, token=token)
        assert applied["cartCouponApply"]["userErrors"] == []
        carts.append(cart_id)
    store = await add_location(pg, channels=("online", "pos"))
    cashier = await client.staff_token(pg, StaffRole.CASHIER, location_id=store)

    online = [client.post(CHECKOUT, {"id": c, "key": "k"}, token=token) for c in carts]
    till = [client.post(REDEEM, {"code": code}, token=cashier) for _ in range(25)]
    calls = [call for pair in zip(online, till, strict=True) for call in pair]  # interleaved
    bodies = await bounded(50, calls)
    results = Counter(outcome(b, "checkoutComplete" if i % 2 == 0 else "couponRedeem") for i, b in enumerate(bodies))
    assert results["OK"] == 1, results
    assert set(results) == {"OK", "COUPON_ALREADY_REDEEMED"}, results
    async with pg.connect() as conn:
        orders = await conn.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.coupon_code == code))
        state = (
            await conn.execute(
                sa.select(Coupon.state, Coupon.order_id, Coupon.redeemed_location_id).where(Coupon.code == code)
            )
        ).one()
    assert state[0].value == "REDEEMED"
    assert (orders, state[1] is not None, state[2] is None) in {(1, True, True), (0, False, False)}
