"""The figures read live from their ledgers: the points liability reconciles with the members'
balances and the points ledger (what expires within 30 days, spent oldest first), and a coupon
campaign's report with its coupons and the discounts on its orders' lines. Head office only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Member, Order, OrderLine, PointsEntry
from domain.access.model import StaffRole
from domain.members.points import LedgerEntry, PointsKind, expired_due
from domain.promotions import PercentOff
from schema.relay import decode_token
from tests.api.test_checkout import placed
from tests.api.test_coupons import apply, claimed, redeem
from tests.api.test_order_flow import pay
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_template
from tests.report_fixtures import ZONE, Trading, fixture_open_for_trading, fixture_settings  # noqa: F401 (pytest fixtures)

LIABILITY = """query($channel: String) {
  pointsLiability(channel: $channel) { outstandingPoints value { amount currency } expiringWithin30Days } }"""
COUPONS = """query($filter: ReportFilter!) { couponReport(filter: $filter) {
  template { name } issued redeemedOnline redeemedInStore redemptionRate discountGiven { amount currency } } }"""


def today() -> dict[str, str]:
    day = datetime.now(UTC).astimezone(ZONE).date()
    return {"from": str(day - timedelta(days=1)), "to": str(day + timedelta(days=1))}


async def ledger_entry(engine: AsyncEngine, member_id: int, delta: int, expires_in: timedelta | None) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        balance = await conn.scalar(
            sa.update(Member)
            .where(Member.id == member_id)
            .values(points_balance=Member.points_balance + delta)
            .returning(Member.points_balance)
        )
        await conn.execute(
            sa.insert(PointsEntry).values(
                member_id=member_id,
                kind=PointsKind.EARN if delta > 0 else PointsKind.SPEND,
                delta=delta,
                balance_after=balance,
                reason="test",
                expires_at=now + expires_in if expires_in is not None else None,
                created_at=now,
            )
        )


async def test_the_points_liability_reconciles_with_the_balances_and_the_ledger(
    open_for_trading: Trading, demo: AsyncEngine
) -> None:
    async with demo.connect() as conn:
        ids = (await conn.scalars(sa.select(Member.id).order_by(Member.id))).all()
    ann, bob = ids
    await ledger_entry(demo, ann, 500, timedelta(days=10))  # expires soon...
    await ledger_entry(demo, ann, 300, timedelta(days=400))
    await ledger_entry(demo, ann, -200, None)  # ...but what is spent goes first: 300 of it expires
    await ledger_entry(demo, bob, 120, timedelta(days=29))
    await ledger_entry(demo, bob, 80, timedelta(days=31))
    body = await open_for_trading.shop.client.data(LIABILITY, token=open_for_trading.admin)
    async with demo.connect() as conn:
        balances = int(await conn.scalar(sa.select(sa.func.sum(Member.points_balance))) or 0)
        entries = (
            await conn.execute(
                sa.select(PointsEntry.member_id, PointsEntry.delta, PointsEntry.kind, PointsEntry.expires_at)
            )
        ).all()
    horizon = datetime.now(UTC) + timedelta(days=30)
    expiring = sum(
        expired_due([LedgerEntry(d, k, e) for m, d, k, e in entries if m == member], horizon) for member in ids
    )
    assert body["pointsLiability"] == {
        "outstandingPoints": balances,
        "value": {"amount": str((Decimal(balances) / 100).quantize(Decimal("0.01"))), "currency": "CNY"},
        "expiringWithin30Days": expiring,
    }
    assert (balances, expiring) == (800, 420)


async def test_a_coupon_campaign_counts_its_coupons_and_the_discount_they_gave(open_for_trading: Trading) -> None:
    shop = open_for_trading.shop
    await add_template(shop.engine, PercentOff(Decimal("12.5")), name="Spring", campaign_code="SPRING")
    ann, bob = open_for_trading.members
    online, till = await claimed(shop, ann, "SPRING"), await claimed(shop, bob, "SPRING")
    cart = await shop.cart([(0, 1), (2, 3)], token=ann.token)
    applied = await apply(shop, cart["id"], online, ann.token)
    assert applied["userErrors"] == []
    await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, token=ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    await pay(shop, order, ann.token)
    assert (await redeem(shop, till, open_for_trading.cashier))["userErrors"] == []
    campaigns = (await shop.client.data(COUPONS, {"filter": today()}, token=open_for_trading.admin))["couponReport"]
    async with shop.engine.connect() as conn:
        lines = (
            await conn.scalars(
                sa.select(OrderLine.discounts).join(Order).where(Order.token == decode_token(order["id"], "Order"))
            )
        ).all()
    line_discounts = sum(Decimal(d["amount"]) for ds in lines for d in ds if d["label"] == f"Coupon {online}")
    assert campaigns == [
        {
            "template": {"name": "Spring"},
            "issued": 2,
            "redeemedOnline": 1,
            "redeemedInStore": 1,
            "redemptionRate": 1.0,
            "discountGiven": {"amount": str(line_discounts), "currency": "CNY"},
        }
    ]
    assert line_discounts > 0


@pytest.mark.parametrize("role", [StaffRole.STORE_MANAGER, StaffRole.CASHIER])
async def test_points_and_campaigns_are_for_head_office(open_for_trading: Trading, role: StaffRole) -> None:
    shop = open_for_trading.shop
    token = await shop.client.staff_token(shop.engine, role, email="s@example.com", location_id=shop.store_a)
    for document, variables in ((LIABILITY, {}), (COUPONS, {"filter": today()})):
        body = await shop.client.post(document, variables, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
