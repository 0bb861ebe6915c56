"""The demo data set: two channels, a category tree, a priced catalogue, a warehouse and stores in
Shanghai with uneven stock, running promotions and the WELCOME10 campaign, made from a seed.

`omnishop seed --demo` calls `seed_demo` to fill an empty database with what a newcomer explores
in GraphiQL and what the README's examples use. The same seed always gives the same rows (the
timestamps too, offsets from a fixed epoch), so examples and "newest first" lists are stable.

Rows are built in memory by one function per area (`_channels`, `_categories`, `_catalogue`,
`db.demo_inventory` for locations and stock, `db.demo_promotions` for promotions) with their primary
keys assigned up front, then `_Loader` writes them in one transaction: COPY on PostgreSQL, batched
executemany inserts on SQLite. 10,000 products (about 250,000 rows with stock and its ledger) take
seconds. `members`/`orders` add `db.demo_members` and `db.demo_orders` (planned in full, written
20,000 orders at a time): 100,000 products, 200,000 members and 1,000,000 orders, about 11 M rows,
take under three minutes on PostgreSQL.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import demo_inventory, demo_members, demo_orders, demo_promotions
from db.demo_loader import Loader, Progress, Row, stage_totals
from db.engine import WRITE_OPTION
from db.models import (
    Category,
    Channel,
    ChannelLocation,
    Coupon,
    CouponTemplate,
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
    Product,
    ProductChannelListing,
    ProductVariant,
    Promotion,
    StockLevel,
    VariantChannelListing,
)
from domain.catalog.model import ChannelKind, ChannelOwnership, slugify
from domain.orders.model import OrderStatus

CHANNELS, CATEGORIES, PRODUCTS, VARIANTS, PRODUCT_LISTINGS, VARIANT_LISTINGS = (
    cast(Table, model.__table__) for model in (Channel, Category, Product, ProductVariant,
                                               ProductChannelListing, VariantChannelListing))
LOCATIONS, CHANNEL_LOCATIONS, STOCK_LEVELS, MOVEMENTS = (
    cast(Table, model.__table__) for model in (Location, ChannelLocation, StockLevel, InventoryMovement))
PROMOTIONS, COUPON_TEMPLATES, COUPONS = (cast(Table, model.__table__) for model in (Promotion, CouponTemplate,
                                                                                    Coupon))
MEMBERS, IDENTITIES, TAGS, POINTS = (cast(Table, model.__table__) for model in (Member, MemberIdentity, MemberTag,
                                                                                 PointsEntry))
ORDERS, ORDER_LINES, ALLOCATIONS, ORDER_LOCATIONS, PAYMENTS, ORDER_EVENTS = (
    cast(Table, model.__table__) for model in (Order, OrderLine, OrderAllocation, OrderLocation, Payment, OrderEvent))
_MEMBER_TABLES = {"members": MEMBERS, "identities": IDENTITIES, "tags": TAGS, "points": POINTS}
_ORDER_TABLES = {"orders": ORDERS, "lines": ORDER_LINES, "allocations": ALLOCATIONS, "locations": ORDER_LOCATIONS,
                 "payments": PAYMENTS, "events": ORDER_EVENTS, "points": POINTS}


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ORDER_SLICE = 20_000  # orders turned into rows and inserted at a time (1M orders' rows would take gigabytes)
ONLINE, POS = 1, 2  # channel ids
MIN_PRICE, MAX_PRICE = Decimal("9.90"), Decimal("1999.00")
_DIME, _CENT = Decimal("0.1"), Decimal("0.01")


class DemoDataExists(Exception):
    """The database already holds data the demo would collide with."""


@dataclass(frozen=True)
class DemoReport:
    rows: int
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Family:
    """A top-level category and the words its products are named from."""

    name: str
    code: str  # SKU prefix
    prices: tuple[int, int]  # whole yuan, inclusive (of the first option when `scaled`)
    first: tuple[str, ...]  # e.g. materials
    second: tuple[str, ...]  # e.g. cuts or styles
    leaves: dict[str, tuple[str, ...]]  # child category name -> nouns
    options: tuple[tuple[str, str], ...]  # (SKU suffix, variant name), in display order
    scaled: bool  # option i costs (1 + i/2) times the first (bigger pack, more capacity)
    blurbs: tuple[str, ...]


_SIZES = (("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"))
_COLOURS = (("BLK", "Black"), ("WHT", "White"), ("NAV", "Navy"), ("GRY", "Grey"), ("SND", "Sand"))

_FAMILIES = (
    _Family("Apparel", "APP", (79, 899), ("Linen", "Cotton", "Merino", "Silk", "Denim", "Cashmere"),
            ("Relaxed", "Slim", "Classic", "Oversized", "Cropped"),
            {"Shirts & Tops": ("Shirt", "Blouse", "Polo", "Tee", "Henley"),
             "Knitwear": ("Sweater", "Cardigan", "Hoodie", "Pullover"),
             "Outerwear": ("Jacket", "Parka", "Coat", "Gilet")},
            _SIZES, False, ("Cut for everyday wear.", "Pre-washed for softness.", "Made to layer.")),
    _Family("Footwear", "FTW", (199, 1599), ("Trail", "Street", "Canvas", "Leather", "Suede"),
            ("Running", "Walking", "Low-Top", "High-Top", "Waterproof"),
            {"Sneakers": ("Shoe", "Sneaker", "Trainer"), "Boots": ("Boot", "Chelsea Boot", "Hiker"),
             "Sandals": ("Sandal", "Slide", "Clog")},
            tuple((str(n), f"EU {n}") for n in range(38, 45)), False,
            ("Cushioned for long days.", "Grippy rubber outsole.", "Breaks in fast.")),
    _Family("Beauty", "BTY", (39, 399), ("Hydrating", "Brightening", "Calming", "Firming", "Daily"),
            ("Green Tea", "Rose", "Ginseng", "Rice", "Camellia"),
            {"Skincare": ("Serum", "Cream", "Toner", "Essence"), "Fragrance": ("Eau de Parfum", "Mist"),
             "Body Care": ("Body Lotion", "Hand Cream", "Shower Gel")},
            (("30ML", "30 ml"), ("50ML", "50 ml"), ("100ML", "100 ml"), ("200ML", "200 ml")), True,
            ("Suits all skin types.", "Dermatologist tested.", "Light, quick to absorb.")),
    _Family("Home", "HOM", (29, 999), ("Oak", "Ceramic", "Linen", "Stoneware", "Bamboo", "Cotton"),
            ("Nordic", "Minimal", "Rustic", "Classic", "Soft"),
            {"Kitchen": ("Mug", "Bowl Set", "Teapot", "Cutting Board"),
             "Bedding": ("Duvet Cover", "Pillowcase", "Throw"), "Decor": ("Vase", "Candle", "Lamp")},
            _COLOURS, False, ("Easy to care for.", "Designed in Shanghai.", "Gift-boxed.")),
    _Family("Electronics", "ELC", (99, 799), ("Wireless", "Smart", "Portable", "Compact", "Pro"),
            ("Noise-Cancelling", "Fast-Charge", "Ultra", "Mini", "Max"),
            {"Audio": ("Earbuds", "Headphones", "Speaker"), "Phone Accessories": ("Power Bank", "Charger"),
             "Smart Home": ("Plug", "Camera", "Light Strip")},
            (("64", "64 GB"), ("128", "128 GB"), ("256", "256 GB"), ("512", "512 GB")), True,
            ("One-year warranty.", "Pairs in seconds.", "USB-C everywhere.")),
    _Family("Food & Drink", "FAD", (10, 119), ("Organic", "Single-Origin", "Roasted", "Spiced", "Wild"),
            ("Yunnan", "Fujian", "Hangzhou", "Sichuan", "Hainan"),
            {"Tea": ("Pu-erh", "Oolong", "Green Tea", "Black Tea"), "Coffee": ("Coffee Beans", "Drip Bags"),
             "Snacks": ("Nut Mix", "Dried Mango", "Rice Crackers")},
            (("100G", "100 g"), ("250G", "250 g"), ("500G", "500 g"), ("1KG", "1 kg")), True,
            ("Best within six months.", "Sealed for freshness.", "Small-batch.")),
)


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _channels() -> list[Row]:
    common = {"currency": "CNY", "ownership": ChannelOwnership.DIRECT, "is_active": True, "created_at": EPOCH}
    return [
        {"id": ONLINE, "slug": "online", "name": "Online store", "kind": ChannelKind.APP, "is_default": True,
         **common},
        {"id": POS, "slug": "pos", "name": "In-store tills", "kind": ChannelKind.POS, "is_default": False,
         **common},
    ]


def _categories() -> tuple[list[Row], list[tuple[int, _Family, tuple[str, ...]]]]:
    """The category rows and the leaves products go in: (category id, family, nouns)."""
    rows: list[Row] = []
    leaves: list[tuple[int, _Family, tuple[str, ...]]] = []
    taken: set[str] = set()

    def add(name: str, parent_id: int | None, description: str) -> int:
        rows.append({"id": len(rows) + 1, "parent_id": parent_id, "name": name, "description": description,
                     "slug": _unique_slug(name, taken), "created_at": EPOCH})
        return len(rows)

    for family in _FAMILIES:
        top = add(family.name, None, f"All {family.name.lower()}.")
        for leaf, nouns in family.leaves.items():
            leaves.append((add(leaf, top, f"{leaf} in {family.name.lower()}."), family, nouns))
    return rows, leaves


def _price(rng: random.Random, family: _Family) -> Decimal:
    yuan = rng.randint(*family.prices)
    return _shelf_price(Decimal(yuan) - rng.choice((Decimal(0), Decimal("0.10"), Decimal("0.50"))))


def _shelf_price(amount: Decimal) -> Decimal:
    """Rounded to 0.10 and kept in the demo's price range, with two decimals as CNY has."""
    return min(max(amount.quantize(_DIME, ROUND_HALF_UP), MIN_PRICE), MAX_PRICE).quantize(_CENT)


def _catalogue(rng: random.Random, products: int, leaves: list[tuple[int, _Family, tuple[str, ...]]],
               ) -> dict[Table, list[Row]]:
    """Products spread over the leaf categories, their variants, and their listings in both channels."""
    # A few products are hidden somewhere, so the visibility rules have something to show.
    n_online, n_pos = max(1, round(products * 0.03)), max(1, round(products * 0.05))
    hidden = rng.sample(range(products), min(products, n_online + n_pos))
    unpublished_online, not_in_pos = set(hidden[:n_online]), set(hidden[n_online:])
    product_rows: list[Row] = []
    variant_rows: list[Row] = []
    product_listings: list[Row] = []
    variant_listings: list[Row] = []
    taken: set[str] = set()
    for index in range(products):
        product_id = index + 1
        category_id, family, nouns = leaves[index % len(leaves)]
        name = f"{rng.choice(family.first)} {rng.choice(family.second)} {rng.choice(nouns)}"
        created = EPOCH + timedelta(minutes=10 * index, seconds=rng.randrange(600))
        product_rows.append({
            "id": product_id, "category_id": category_id, "name": name, "slug": _unique_slug(name, taken),
            "description": f"{name}. {rng.choice(family.blurbs)}",
            "created_at": created, "updated_at": created,
        })
        count = rng.randint(1, min(4, len(family.options)))
        options = sorted(rng.sample(range(len(family.options)), count))
        base = _price(rng, family)
        pos_factor = Decimal(1) if rng.random() < 0.8 else rng.choice((Decimal("0.95"), Decimal("1.05")))
        prices: dict[int, list[Decimal]] = {ONLINE: [], POS: []}
        for option in options:
            variant_id = len(variant_rows) + 1
            suffix, label = family.options[option]
            variant_rows.append({"id": variant_id, "product_id": product_id, "created_at": created,
                                 "sku": f"{family.code}-{product_id:06d}-{suffix}", "name": label})
            if family.scaled:
                online = _shelf_price(base * (1 + Decimal("0.5") * option))
            else:
                online = base if rng.random() < 0.8 else _shelf_price(base * Decimal("1.1"))
            listed = {ONLINE: online}
            if index not in not_in_pos:
                listed[POS] = _shelf_price(online * pos_factor)
            for channel_id, price in listed.items():
                prices[channel_id].append(price)
                variant_listings.append({"id": len(variant_listings) + 1, "variant_id": variant_id,
                                         "channel_id": channel_id, "price": price})
        for channel_id, in_channel in prices.items():
            if in_channel:
                product_listings.append({
                    "id": len(product_listings) + 1, "product_id": product_id, "channel_id": channel_id,
                    "is_published": not (channel_id == ONLINE and index in unpublished_online),
                    "min_price": min(in_channel), "max_price": max(in_channel),
                    "updated_at": created,
                })
    return {PRODUCTS: product_rows, VARIANTS: variant_rows, PRODUCT_LISTINGS: product_listings,
            VARIANT_LISTINGS: variant_listings}


def _inventory(rng: random.Random, products: int, variant_ids: list[int]) -> dict[Table, list[Row]]:
    """The warehouse and stores, linked to both channels, and their stock with its ledger."""
    location_rows = demo_inventory.locations(products, EPOCH)
    store_ids = [row["id"] for row in location_rows if row["id"] != demo_inventory.WAREHOUSE_ID]
    levels, movements = demo_inventory.stock(rng, variant_ids, store_ids, EPOCH)
    return {LOCATIONS: location_rows, CHANNEL_LOCATIONS: demo_inventory.channel_links(location_rows, [ONLINE, POS]),
            STOCK_LEVELS: levels, MOVEMENTS: movements}


def _promotions(tables: dict[Table, list[Row]]) -> dict[Table, list[Row]]:
    """The running promotions (the flash sale on the first variant sold in both channels) and WELCOME10."""
    in_pos = {row["variant_id"] for row in tables[VARIANT_LISTINGS] if row["channel_id"] == POS}
    flash = next(((row["variant_id"], row["price"]) for row in tables[VARIANT_LISTINGS]
                  if row["channel_id"] == ONLINE and row["variant_id"] in in_pos), None)
    return {PROMOTIONS: demo_promotions.promotions(flash, [ONLINE, POS], EPOCH),
            COUPON_TEMPLATES: demo_promotions.coupon_templates(EPOCH)}


def _people(rng: random.Random, members: int, orders: int, tables: dict[Table, list[Row]], seed: int,
            ) -> tuple[dict[Table, list[Row]], list[demo_orders.Planned], demo_orders.Writer]:
    """The member rows (balances included) and the planned orders with the writer that turns them into rows."""
    product_names = {row["id"]: row["name"] for row in tables[PRODUCTS]}
    prices: dict[int, dict[int, Decimal]] = {ONLINE: {}, POS: {}}
    for row in tables[VARIANT_LISTINGS]:
        prices[row["channel_id"]][row["variant_id"]] = row["price"]
    catalogue = demo_orders.Catalogue(
        {row["id"]: (row["sku"], row["name"], product_names[row["product_id"]]) for row in tables[VARIANTS]}, prices)
    store_ids = [row["id"] for row in tables[LOCATIONS] if row["id"] != demo_inventory.WAREHOUSE_ID]
    start = EPOCH - demo_orders.HISTORY
    people = demo_members.members(rng, members, start, POS, ONLINE, store_ids)
    planned = demo_orders.plan(rng, orders, members, start, catalogue, ONLINE, POS, store_ids)
    opening = {row["member_id"]: row["delta"] for row in people["points"]}
    final = demo_orders.balances(planned, catalogue, opening)
    for row in people["members"]:
        row["points_balance"] = final.get(row["id"], 0)
    writer = demo_orders.Writer(catalogue, demo_inventory.WAREHOUSE_ID, seed, opening,
                                next_points_id=len(people["points"]) + 1)
    return {_MEMBER_TABLES[name]: rows for name, rows in people.items()}, planned, writer


def _order_totals(planned: list[demo_orders.Planned]) -> dict[str, int]:
    """Rows per progress stage that the planned orders will make (for the progress bars)."""
    lines = sum(len(order.lines) for order in planned)
    cancelled = sum(1 for order in planned if order.status is OrderStatus.CANCELLED)
    completed = sum(1 for order in planned if order.status is OrderStatus.COMPLETED)  # each earns points
    return {"orders": len(planned), "order lines": lines, "allocations": lines, "order locations": len(planned),
            "payments": len(planned) + cancelled, "order events": len(planned), "points entries": completed}


async def seed_demo(engine: AsyncEngine, *, products: int = 60, seed: int = 1, promotions: bool = True,
                    members: int = 0, orders: int = 0, copy: bool = True,
                    progress: Progress | None = None) -> DemoReport:
    """Fill an empty, migrated database with the demo catalogue; `DemoDataExists` if it is not empty.
    `promotions=False` leaves out the running promotions and the campaign (prices stay list prices);
    `members` and `orders` add members with a year of order history (`db.demo_members`, `db.demo_orders`);
    `copy=False` makes PostgreSQL use batched INSERTs instead of COPY (to compare them)."""
    if products < 0 or members < 0 or orders < 0:
        raise ValueError("products, members and orders cannot be negative")
    if orders and (not members or not products):
        raise ValueError("orders need members and products")
    started = time.perf_counter()
    rng = random.Random(seed)
    category_rows, leaves = _categories()
    tables: dict[Table, list[Row]] = {CHANNELS: _channels(), CATEGORIES: category_rows}
    tables.update(_catalogue(rng, products, leaves))
    tables.update(_inventory(rng, products, [row["id"] for row in tables[VARIANTS]]))
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
            for table in [*tables, *(_ORDER_TABLES.values() if planned else ())]:
                if await conn.scalar(select(func.count()).select_from(table)):
                    raise DemoDataExists(f"The {table.name} table already has rows: "
                                         "the demo data only goes into an empty database.")
            loader = Loader(conn, totals, progress, copy)
            await loader.skip_foreign_key_checks()
            for table, rows in tables.items():
                await loader.write(table, rows)
            for first in range(0, len(planned), ORDER_SLICE):
                assert writer is not None
                made = writer.rows(planned[first:first + ORDER_SLICE], first + 1)
                for name, table in _ORDER_TABLES.items():
                    await loader.write(table, made[name])
                    counts[table.name] = counts.get(table.name, 0) + len(made[name])
            await loader.fix_sequences()
    return DemoReport(rows=sum(counts.values()), seconds=time.perf_counter() - started, tables=counts)
