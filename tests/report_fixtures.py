"""Orders for the report tests, made through the graph as shoppers, tills and customer service make
them: till sales, deliveries shipped and delivered, pickups, cancellations before and after payment,
partial returns in several steps, a promotion (15 % off carts from 100.00) that leaves odd cents, a
product in no category; then spread over business days (payments on one day, some returns and
cancellations on the next), as a week of trading would leave them.

The report modules import the fixtures they use from here (`fixture_<name>` provides `<name>`):
`settings` (the payment sandbox; the report feed runs only when a test or fixture says so) and one
of the tradings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.report_feeder import ReportFeeder
from api.settings import Settings
from db.engine import create_session_factory, write_options
from db.models import Order, OrderEvent, Product, ProductVariant
from domain.access.model import StaffRole
from domain.orders.records import OrderEventType
from domain.promotions.model import Conditions, PercentOff
from tests.api.test_carts import Shop, address, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import SignedIn, new_member
from tests.api.test_order_flow import CANCEL, DELIVER, RETURN, SHIP, pay, run
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_promotion

ZONE = ZoneInfo("Asia/Shanghai")
STOCK = 1000


@dataclass
class Trading:
    shop: Shop
    admin: str
    cashier: str  # at store A
    members: list[SignedIn]


@pytest.fixture(name="settings")
def fixture_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"payments_sandbox": True, "reports_interval": 0})


@pytest.fixture(name="open_for_trading")
async def fixture_open_for_trading(client: GraphQLClient, demo: AsyncEngine) -> Trading:
    """The shop, its staff and members, before any order."""
    return await open_trading(client, demo)


@pytest.fixture(name="trading_uncounted")
async def fixture_trading_uncounted(client: GraphQLClient, demo: AsyncEngine) -> Trading:
    """Six orders of every kind, today, which the report feed has not read yet."""
    t = await open_trading(client, demo)
    await trade(t, orders=6)
    return t


@pytest.fixture(name="trading")
async def fixture_trading(client: GraphQLClient, demo: AsyncEngine) -> Trading:
    """Six orders of every kind, today, counted by the report feed."""
    t = await open_trading(client, demo)
    await trade(t, orders=6)
    await ReportFeeder(create_session_factory(demo), ZONE, interval=1).catch_up()
    return t


@pytest.fixture(name="week_of_trading")
async def fixture_week_of_trading(client: GraphQLClient, demo: AsyncEngine) -> Trading:
    """Thirty orders spread over the past nine days (spread_over_days), not counted yet."""
    t = await open_trading(client, demo)
    await trade(t, orders=30)
    await spread_over_days(demo)
    return t


async def open_trading(client: GraphQLClient, engine: Any) -> Trading:
    shop = await open_shop(client, engine, stock=STOCK)
    await add_promotion(engine, PercentOff(Decimal("15")), conditions=Conditions(min_subtotal=Decimal("100")))
    async with engine.begin() as conn:  # the cheapest product is in no category
        product = await conn.scalar(sa.select(ProductVariant.product_id).where(ProductVariant.id == shop.variants[2]))
        await conn.execute(sa.update(Product).where(Product.id == product).values(category_id=None))
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    cashier = await client.staff_token(engine, StaffRole.CASHIER, email="till@example.com", location_id=shop.store_a)
    members = [await new_member(client, email=f"m{i}@example.com") for i in range(2)]
    return Trading(shop, admin, cashier, members)


async def trade(t: Trading, orders: int, seed: int = 7) -> None:
    """`orders` orders of every kind, drawn with `seed`."""
    rng = random.Random(seed)
    shop = t.shop
    for n in range(orders):
        lines = [(i, rng.randint(1, 3)) for i in rng.sample(range(3), rng.randint(1, 3))]
        buyer = rng.choice([None, *t.members])
        kind = n % 6
        if kind == 0:  # at the till: paid and carried out at once
            cart = await shop.cart(lines, channel="pos", token=t.cashier, member_id=buyer.id if buyer else None)
            order = await placed(shop, cart["id"], token=t.cashier)
            order = await pay(shop, order, t.cashier, method="CASH")
        else:
            token = buyer.token if buyer else None
            cart = await shop.cart(lines, token=token)
            if kind == 5:
                pickup = {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}
                await shop.fulfil(cart["id"], pickup, token=token)
            else:
                await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=token)
            order = await placed(shop, cart["id"], token=token)
            if kind == 3:
                await run(shop, CANCEL, "orderCancel", token, id=order["id"])  # never paid: counts nothing
                continue
            if kind == 4 and n % 4 == 0:
                continue  # left unpaid
            order = await pay(shop, order, token)
            if kind == 2:
                await run(shop, CANCEL, "orderCancel", t.admin, id=order["id"])  # refunded: all back
                continue
            if kind in (4, 5):
                continue  # paid, not delivered yet
            await run(shop, SHIP, "orderShip", t.admin, id=order["id"])
            order = await run(shop, DELIVER, "orderDeliver", t.admin, id=order["id"])
            order = order["order"]
        for _ in range(rng.choice([0, 1, 2])):  # partial returns, unit by unit or more
            line = rng.choice(order["lines"])
            left = line["quantity"] - line["returnedQuantity"]
            if left:
                back = {"lines": [{"orderLineId": line["id"], "quantity": rng.randint(1, left)}]}
                order = (await run(shop, RETURN, "orderReturn", t.admin, id=order["id"], input=back))["order"]


async def spread_over_days(engine: Any, start_days_ago: int = 9) -> None:
    """Move each order's history back by whole days and a few hours, its returns and cancellations
    a day after its payment for every other order (a return belongs to the day it was made)."""
    async with create_session_factory(engine)() as session:
        await session.connection(execution_options=write_options(session))  # SQLite: the write lock first
        ids = (await session.scalars(sa.select(Order.id).order_by(Order.id))).all()
        for i, order_id in enumerate(ids):
            back = timedelta(days=start_days_ago - i % 7, hours=(i * 5) % 24)
            later = OrderEvent.type.in_([OrderEventType.RETURNED, OrderEventType.CANCELLED])
            events = (
                await session.execute(
                    sa.select(OrderEvent.id, OrderEvent.created_at, later).where(OrderEvent.order_id == order_id)
                )
            ).all()
            for event_id, at, is_later in events:
                moved = at - back + (timedelta(days=1) if is_later and i % 2 else timedelta())
                await session.execute(sa.update(OrderEvent).where(OrderEvent.id == event_id).values(created_at=moved))
        await session.commit()
