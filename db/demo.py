"""The demo data set: two channels, a category tree, a priced catalogue, a warehouse and stores in
Shanghai with uneven stock, running promotions and the WELCOME10 campaign, made from a seed.

`omnishop seed --demo` calls `seed_demo` to fill an empty database with what a newcomer explores
in GraphiQL and what the README's examples use. The same seed always gives the same rows (the
timestamps too, offsets from a fixed epoch), so examples and "newest first" lists are stable.

Rows are built in memory by one module per area (`db.demo_catalogue` for channels, categories and
products, `db.demo_inventory` for locations and stock, `db.demo_promotions` for promotions) with their
primary keys assigned up front, then `_Loader` writes them in one transaction: COPY on PostgreSQL, batched
executemany inserts on SQLite. 10,000 products (about 250,000 rows with stock and its ledger) take
seconds. `members`/`orders` add `db.demo_members` and `db.demo_orders` (planned in full, written
20,000 orders at a time): 100,000 products, 200,000 members and 1,000,000 orders, about 11 M rows,
take under three minutes on PostgreSQL.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import (
    demo_catalogue,
    demo_inventory,
    demo_members,
    demo_orders,
    demo_promotions,
    demo_settlement,
    product_search,
    published_counts,
)
from db.demo_catalogue import CATEGORIES, CHANNELS, EPOCH, ONLINE, POS, PRODUCTS, VARIANT_LISTINGS, VARIANTS
from db.demo_loader import Loader, Progress, Row, stage_totals
from db.engine import WRITE_OPTION
from db.models import (
    ChannelLocation,
    Coupon,
    CouponTemplate,
    Fulfilment,
    InventoryMovement,
    Location,
    Member,
    MemberIdentity,
    MemberTag,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    OrderLocation,
    Payment,
    PointsEntry,
    Promotion,
    SettlementEntry,
    StockLevel,
)
from domain.orders.model import OrderStatus

LOCATIONS, CHANNEL_LOCATIONS, STOCK_LEVELS, MOVEMENTS = (
    cast(Table, model.__table__) for model in (Location, ChannelLocation, StockLevel, InventoryMovement)
)
PROMOTIONS, COUPON_TEMPLATES, COUPONS = (cast(Table, model.__table__) for model in (Promotion, CouponTemplate, Coupon))
MEMBERS, IDENTITIES, TAGS, POINTS = (
    cast(Table, model.__table__) for model in (Member, MemberIdentity, MemberTag, PointsEntry)
)
ORDERS, ORDER_LINES, ALLOCATIONS, ORDER_LOCATIONS, FULFILMENTS, PAYMENTS, ORDER_EVENTS, ENTRIES = (
    cast(Table, model.__table__)
    for model in (Order, OrderLine, OrderAllocation, OrderLocation, Fulfilment, Payment, OrderEvent, SettlementEntry)
)
_MEMBER_TABLES = {"members": MEMBERS, "identities": IDENTITIES, "tags": TAGS, "points": POINTS}
ORDER_TABLES = {
    "orders": ORDERS,
    "lines": ORDER_LINES,
    "allocations": ALLOCATIONS,
    "locations": ORDER_LOCATIONS,
    "fulfilments": FULFILMENTS,
    "payments": PAYMENTS,
    "events": ORDER_EVENTS,
    "points": POINTS,
    "entries": ENTRIES,
}


ORDER_SLICE = 20_000  # orders turned into rows and inserted at a time (1M orders' rows would take gigabytes)


class DemoDataExists(Exception):
    """The database already holds data the demo would collide with."""


@dataclass(frozen=True)
class DemoReport:
    rows: int
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)


def _inventory(rng: random.Random, products: int, variant_ids: list[int]) -> dict[Table, list[Row]]:
    """The warehouse and stores, linked to both channels, and their stock with its ledger."""
    location_rows = demo_inventory.locations(products, EPOCH)
    store_ids = [row["id"] for row in location_rows if row["id"] != demo_inventory.WAREHOUSE_ID]
    levels, movements = demo_inventory.stock(rng, variant_ids, store_ids, EPOCH)
    return {
        LOCATIONS: location_rows,
        CHANNEL_LOCATIONS: demo_inventory.channel_links(location_rows, [ONLINE, POS]),
        STOCK_LEVELS: levels,
        MOVEMENTS: movements,
    }


def _promotions(tables: dict[Table, list[Row]]) -> dict[Table, list[Row]]:
    """The running promotions (the flash sale on the first variant sold in both channels) and WELCOME10."""
    in_pos = {row["variant_id"] for row in tables[VARIANT_LISTINGS] if row["channel_id"] == POS}
    flash = next(
        (
            (row["variant_id"], row["price"])
            for row in tables[VARIANT_LISTINGS]
            if row["channel_id"] == ONLINE and row["variant_id"] in in_pos
        ),
        None,
    )
    return {
        PROMOTIONS: demo_promotions.promotions(flash, [ONLINE, POS], EPOCH),
        COUPON_TEMPLATES: demo_promotions.coupon_templates(EPOCH),
    }


def _people(
    rng: random.Random,
    members: int,
    orders: int,
    tables: dict[Table, list[Row]],
    seed: int,
) -> tuple[dict[Table, list[Row]], list[demo_orders.Planned], demo_orders.Writer]:
    """The member rows (balances included) and the planned orders with the writer that turns them into rows."""
    product_names = {row["id"]: row["name"] for row in tables[PRODUCTS]}
    product_categories = {row["id"]: row["category_id"] for row in tables[PRODUCTS]}
    prices: dict[int, dict[int, Decimal]] = {ONLINE: {}, POS: {}}
    for row in tables[VARIANT_LISTINGS]:
        prices[row["channel_id"]][row["variant_id"]] = row["price"]
    catalogue = demo_orders.Catalogue(
        {row["id"]: (row["sku"], row["name"], product_names[row["product_id"]]) for row in tables[VARIANTS]},
        prices,
        {row["id"]: product_categories[row["product_id"]] for row in tables[VARIANTS]},
    )
    store_ids = [row["id"] for row in tables[LOCATIONS] if row["id"] != demo_inventory.WAREHOUSE_ID]
    start = EPOCH - demo_orders.HISTORY
    people = demo_members.members(rng, members, start, POS, ONLINE, store_ids)
    planned = demo_orders.plan(rng, orders, members, start, catalogue, ONLINE, POS, store_ids)
    opening = {row["member_id"]: row["delta"] for row in people["points"]}
    final = demo_orders.balances(planned, catalogue, opening)
    for row in people["members"]:
        row["points_balance"] = final.get(row["id"], 0)
    writer = demo_orders.Writer(
        catalogue,
        demo_inventory.WAREHOUSE_ID,
        seed,
        opening,
        next_points_id=len(people["points"]) + 1,
        store_ids=store_ids,
    )
    return {_MEMBER_TABLES[name]: rows for name, rows in people.items()}, planned, writer


def _order_totals(planned: list[demo_orders.Planned]) -> dict[str, int]:
    """Rows per progress stage that the planned orders will make (for the progress bars)."""
    lines = sum(len(order.lines) for order in planned)
    cancelled = sum(1 for order in planned if order.status is OrderStatus.CANCELLED)
    completed = sum(1 for order in planned if order.status is OrderStatus.COMPLETED)  # each earns points
    return {
        "orders": len(planned),
        "order lines": lines,
        "allocations": lines,
        "order locations": len(planned),
        "fulfilments": len(planned),
        "payments": len(planned) + cancelled,
        "order events": len(planned),
        "points entries": completed,
        "settlement entries": 0,  # known once the orders are split
    }


async def seed_demo(
    engine: AsyncEngine,
    *,
    products: int = 60,
    seed: int = 1,
    promotions: bool = True,
    settlement: bool = True,
    members: int = 0,
    orders: int = 0,
    copy: bool = True,
    progress: Progress | None = None,
) -> DemoReport:
    """Fill an empty, migrated database with the demo catalogue; `DemoDataExists` if it is not empty.
    `promotions=False` leaves out the running promotions and the campaign (prices stay list prices);
    `members` and `orders` add members with a year of order history (`db.demo_members`, `db.demo_orders`);
    `settlement=False` leaves out the franchise store, the concession and their rules (db.demo_settlement);
    `copy=False` makes PostgreSQL use batched INSERTs instead of COPY (to compare them)."""
    if products < 0 or members < 0 or orders < 0:
        raise ValueError("products, members and orders cannot be negative")
    if orders and (not members or not products):
        raise ValueError("orders need members and products")
    started = time.perf_counter()
    rng = random.Random(seed)
    category_rows, leaves = demo_catalogue.categories()
    tables: dict[Table, list[Row]] = {CHANNELS: demo_catalogue.channels(), CATEGORIES: category_rows}
    tables.update(demo_catalogue.catalogue(rng, products, leaves))
    tables.update(_inventory(rng, products, [row["id"] for row in tables[VARIANTS]]))
    demo_settlement.referral_codes(tables[LOCATIONS], seed)
    if promotions:
        tables.update(_promotions(tables))
    planned: list[demo_orders.Planned] = []
    writer = None
    if members:
        people, planned, writer = _people(rng, members, orders, tables, seed)
        tables.update(people)
        if promotions:
            template, coupons = demo_promotions.thank_you_coupons(members, EPOCH)
            tables[COUPON_TEMPLATES].append(template)
            tables[COUPONS] = coupons
    totals = stage_totals(tables)
    for stage, count in _order_totals(planned).items():
        totals[stage] = totals.get(stage, 0) + count
    counts = {table.name: len(rows) for table, rows in tables.items()}
    async with engine.connect() as conn:
        # The write option makes SQLite take its write lock at BEGIN, before the emptiness check.
        conn = await conn.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            for table in [*tables, *(ORDER_TABLES.values() if planned else ())]:
                if await conn.scalar(select(func.count()).select_from(table)):
                    raise DemoDataExists(
                        f"The {table.name} table already has rows: the demo data only goes into an empty database."
                    )
            loader = Loader(conn, totals, progress, copy)
            await loader.skip_foreign_key_checks()
            for table, rows in tables.items():
                await loader.write(table, rows)
            if settlement:
                ledger = await demo_settlement.write(conn, EPOCH)
                if writer is not None:
                    writer.ledger = ledger
            for first in range(0, len(planned), ORDER_SLICE):
                assert writer is not None
                made = writer.rows(planned[first : first + ORDER_SLICE], first + 1)
                for name, table in ORDER_TABLES.items():
                    await loader.write(table, made[name])
                    counts[table.name] = counts.get(table.name, 0) + len(made[name])
            await loader.fix_sequences()
            await product_search.refresh_all(conn)
            await published_counts.recount(conn)
    return DemoReport(rows=sum(counts.values()), seconds=time.perf_counter() - started, tables=counts)
