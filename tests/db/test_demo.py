"""The demo data generator: content (catalogue, Shanghai locations, uneven stock with its ledger, members
and their order history), determinism, refusal to touch a filled database, PostgreSQL ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import DemoDataExists, DemoReport, seed_demo
from db.demo_inventory import store_count
from db.demo_members import DEMO_PASSWORD
from db.engine import create_engine
from db.models import (
    Base,
    Category,
    Channel,
    ChannelLocation,
    Coupon,
    InventoryMovement,
    Location,
    Member,
    MemberIdentity,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    Payment,
    PointsEntry,
    Product,
    ProductChannelListing,
    ProductVariant,
    StockLevel,
    VariantAttribute,
    VariantChannelListing,
)
from domain.accounts.model import IdentityKind
from domain.catalog.model import ChannelKind, ChannelOwnership
from domain.inventory.model import LocationType, MovementKind, distance_km
from domain.members.points import PointsKind
from domain.orders.model import OrderStatus
from domain.orders.records import PaymentKind
from tests import postgres
from tests.helpers import GraphQLClient

MakeEngine = Callable[[], Awaitable[AsyncEngine]]


@pytest.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[MakeEngine]:
    """Fresh, migrated SQLite databases, disposed of at the end."""
    engines: list[AsyncEngine] = []

    async def make() -> AsyncEngine:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t{len(engines)}.db")
        engines.append(engine)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        return engine

    yield make
    for engine in engines:
        await engine.dispose()


async def _count(engine: AsyncEngine, model: type[Base]) -> int:
    async with engine.connect() as conn:
        return (await conn.scalar(select(func.count()).select_from(model))) or 0


async def _snapshot(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                Product.id,
                Product.name,
                Product.slug,
                Product.created_at,
                ProductVariant.sku,
                VariantChannelListing.channel_id,
                VariantChannelListing.price,
            )
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .join(VariantChannelListing, VariantChannelListing.variant_id == ProductVariant.id)
            .order_by(VariantChannelListing.id)
        )
        return [tuple(row) for row in rows]


async def test_demo_catalogue_content(make_engine: MakeEngine) -> None:
    engine = await make_engine()
    calls: list[tuple[str, int, int]] = []
    report = await seed_demo(engine, progress=lambda stage, done, total: calls.append((stage, done, total)))

    assert isinstance(report, DemoReport)
    assert report.tables["products"] == 60
    assert report.rows == sum(report.tables.values())
    catalogue = (Channel, Category, Product, ProductVariant, VariantAttribute, ProductChannelListing)
    for model in (*catalogue, VariantChannelListing):
        assert await _count(engine, model) == report.tables[model.__tablename__]
    assert {stage for stage, _, _ in calls} >= {"products", "variants", "product listings", "variant listings"}
    assert all(done == total for stage, done, total in calls if stage == "products")

    async with engine.connect() as conn:
        channels = {c.slug: c for c in (await conn.execute(select(Channel))).all()}
        assert set(channels) == {"online", "pos"}
        assert [slug for slug, c in channels.items() if c.is_default] == ["online"]
        assert channels["online"].kind == ChannelKind.APP and channels["pos"].kind == ChannelKind.POS
        assert {c.currency for c in channels.values()} == {"CNY"}
        assert {c.ownership for c in channels.values()} == {ChannelOwnership.DIRECT}
        online, pos = channels["online"].id, channels["pos"].id

        categories = (await conn.execute(select(Category))).all()
        assert len({c.slug for c in categories}) == len(categories)
        tops = [c for c in categories if c.parent_id is None]
        assert len(tops) >= 5
        leaf_ids = {c.id for c in categories if c.parent_id is not None}

        products = (await conn.execute(select(Product))).all()
        assert len(products) >= 50
        assert len({p.slug for p in products}) == len(products)
        assert {p.category_id for p in products} <= leaf_ids
        assert len({p.category_id for p in products}) >= 10
        assert len({p.created_at for p in products}) == len(products)

        variants = (await conn.execute(select(ProductVariant))).all()
        assert len({v.sku for v in variants}) == len(variants)
        product_of_variant = {v.id: v.product_id for v in variants}
        per_product: dict[int, int] = defaultdict(int)
        for v in variants:
            per_product[v.product_id] += 1
        assert set(per_product) == {p.id for p in products}
        assert set(per_product.values()) <= {1, 2, 3, 4}

        # Every variant has its option as an attribute; clothes and shoes a colour too, one per product.
        attributes: dict[int, dict[str, str]] = defaultdict(dict)
        for a in (await conn.execute(select(VariantAttribute))).all():
            assert a.product_id == product_of_variant[a.variant_id]
            attributes[a.variant_id][a.name] = a.value
        colours: dict[int, set[str]] = defaultdict(set)
        for v in variants:
            assert v.name in attributes[v.id].values(), (v.name, attributes[v.id])
            assert set(attributes[v.id]) in ({"colour"}, {"volume"}, {"storage"}, {"weight"}, {"colour", "size"})
            if "size" in attributes[v.id]:
                colours[v.product_id].add(attributes[v.id]["colour"])
        assert colours and all(len(c) == 1 for c in colours.values())
        assert {c for cs in colours.values() for c in cs} <= {"Black", "White", "Navy", "Grey", "Sand"}

        prices: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
        online_priced: set[int] = set()
        product_of = {v.id: v.product_id for v in variants}
        for vl in (await conn.execute(select(VariantChannelListing))).all():
            assert Decimal("9.90") <= vl.price <= Decimal("1999.00")
            assert vl.price == vl.price.quantize(Decimal("0.1"))
            prices[(product_of[vl.variant_id], vl.channel_id)].append(vl.price)
            if vl.channel_id == online:
                online_priced.add(vl.variant_id)
        assert online_priced == set(product_of)

        listings = (await conn.execute(select(ProductChannelListing))).all()
        assert {(pl.product_id, pl.channel_id) for pl in listings} == set(prices)
        for pl in listings:
            assert pl.min_price == min(prices[(pl.product_id, pl.channel_id)])
            assert pl.max_price == max(prices[(pl.product_id, pl.channel_id)])
        assert any(pl.channel_id == online and not pl.is_published for pl in listings)
        assert {p.id for p in products} - {pl.product_id for pl in listings if pl.channel_id == pos}
        # Most products sell in both channels, and the till sometimes charges differently.
        assert sum(1 for pl in listings if pl.channel_id == pos) >= 50
        assert any(prices[(p.id, online)] != prices.get((p.id, pos), prices[(p.id, online)]) for p in products)


async def _stock_snapshot(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(StockLevel.variant_id, StockLevel.location_id, StockLevel.on_hand).order_by(
                StockLevel.variant_id, StockLevel.location_id
            )
        )
        return [tuple(row) for row in rows]


SHANGHAI = (31.2304, 121.4737)  # People's Square


async def test_demo_locations_are_a_warehouse_and_shanghai_stores_in_both_channels(make_engine: MakeEngine) -> None:
    engine = await make_engine()
    await seed_demo(engine)
    async with engine.connect() as conn:
        locations = (await conn.execute(select(Location).order_by(Location.id))).all()
        links = set(
            (
                await conn.execute(
                    select(ChannelLocation.location_id, Channel.slug).join(
                        Channel, Channel.id == ChannelLocation.channel_id
                    )
                )
            ).all()
        )
    warehouses = [loc for loc in locations if loc.type is LocationType.WAREHOUSE]
    stores = [loc for loc in locations if loc.type is LocationType.STORE]
    assert [(w.code, w.name, w.priority, w.ships_to_home, w.is_pickup_point) for w in warehouses] == [
        ("WH01", "Central warehouse", 10, True, False)
    ]
    assert [s.code for s in stores] == ["SH01", "SH02", "SH03", "SH04"]
    assert len({s.name for s in stores}) == len(stores)
    every_day = [
        {"day": d, "opens": "10:00", "closes": "22:00"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ]
    for loc in locations:
        assert loc.latitude is not None and loc.longitude is not None
        assert distance_km(*SHANGHAI, loc.latitude, loc.longitude) < 60, loc.name  # in Shanghai
        assert (loc.city, loc.country, loc.is_active) == ("Shanghai", "CN", True)
        assert loc.address_line1 and loc.postal_code
        assert {(loc.id, "online"), (loc.id, "pos")} <= links
    for store in stores:
        assert (store.is_pickup_point, store.ships_to_home, store.opening_hours) == (True, True, every_day)
    assert len({(s.latitude, s.longitude) for s in stores}) == len(stores)


@pytest.mark.parametrize(
    ("products", "stores"), [(0, 4), (60, 4), (1999, 4), (2000, 5), (4000, 10), (10_000, 25), (1_000_000, 25)]
)
def test_bigger_catalogues_get_more_stores(products: int, stores: int) -> None:
    assert store_count(products) == stores


async def test_a_bigger_demo_seeds_more_stores(make_engine: MakeEngine) -> None:
    engine = await make_engine()
    report = await seed_demo(engine, products=2000)
    async with engine.connect() as conn:
        codes = (
            await conn.scalars(select(Location.code).where(Location.type == LocationType.STORE).order_by(Location.code))
        ).all()
    assert codes == ["SH01", "SH02", "SH03", "SH04", "SH05"]
    assert report.tables["locations"] == 6 and report.tables["channel_locations"] == 12


async def test_demo_stock_is_uneven_and_its_ledger_sums_to_it(make_engine: MakeEngine) -> None:
    engine = await make_engine()
    calls: list[tuple[str, int, int]] = []
    report = await seed_demo(engine, progress=lambda stage, done, total: calls.append((stage, done, total)))
    async with engine.connect() as conn:
        types = dict((await conn.execute(select(Location.id, Location.type))).all())
        variants = set((await conn.scalars(select(ProductVariant.id))).all())
        levels = (await conn.execute(select(StockLevel))).all()
        movements = (await conn.execute(select(InventoryMovement))).all()
    assert {stage for stage, _, _ in calls} >= {"locations", "stock levels", "stock movements"}
    assert report.tables["stock_levels"] == len(levels) == report.tables["inventory_movements"] == len(movements)

    where: dict[int, set[int]] = defaultdict(set)
    for lv in levels:
        where[lv.variant_id].add(lv.location_id)
        assert 1 <= lv.on_hand <= 50 and lv.reserved == 0
    warehouse = next(k for k, t in types.items() if t is LocationType.WAREHOUSE)
    stores = {k for k, t in types.items() if t is LocationType.STORE}
    only_warehouse = [v for v, at in where.items() if at == {warehouse}]
    only_one_store = [v for v, at in where.items() if len(at) == 1 and at <= stores]
    in_warehouse = [v for v, at in where.items() if warehouse in at]
    assert only_warehouse and only_one_store
    assert len(in_warehouse) > len(variants) / 2  # the warehouse holds most items
    assert variants - set(where), "some items are sold out everywhere"
    per_store = [sum(1 for at in where.values() if s in at) for s in stores]
    assert all(per_store) and len(set(per_store)) > 1  # every store has stock, not the same amount
    assert len({lv.on_hand for lv in levels}) > 10

    # The ledger: one opening RECEIVE per stock level, summing to its on-hand.
    sums: dict[tuple[int, int], list[int]] = defaultdict(list)
    for m in movements:
        assert (m.kind, m.reserved_delta) == (MovementKind.RECEIVE, 0)
        sums[(m.variant_id, m.location_id)].append(m.on_hand_delta)
    assert {k: sum(v) for k, v in sums.items()} == {(lv.variant_id, lv.location_id): lv.on_hand for lv in levels}
    assert all(len(v) == 1 for v in sums.values())


async def test_same_seed_same_data_other_seed_other_data(make_engine: MakeEngine) -> None:
    first, second, third = await make_engine(), await make_engine(), await make_engine()
    await seed_demo(first, seed=7)
    await seed_demo(second, seed=7)
    await seed_demo(third, seed=8)
    assert await _snapshot(first) == await _snapshot(second)
    assert await _snapshot(first) != await _snapshot(third)
    assert await _stock_snapshot(first) == await _stock_snapshot(second)
    assert await _stock_snapshot(first) != await _stock_snapshot(third)


async def test_filled_database_is_left_alone(make_engine: MakeEngine) -> None:
    engine = await make_engine()
    async with engine.begin() as conn:
        await conn.execute(
            insert(Channel),
            [
                {
                    "slug": "web",
                    "name": "Web",
                    "currency": "CNY",
                    "kind": ChannelKind.H5,
                    "ownership": ChannelOwnership.DIRECT,
                }
            ],
        )
    with pytest.raises(DemoDataExists):
        await seed_demo(engine)
    assert await _count(engine, Channel) == 1
    for model in (
        Category,
        Product,
        ProductVariant,
        ProductChannelListing,
        VariantChannelListing,
        Location,
        ChannelLocation,
        StockLevel,
        InventoryMovement,
    ):
        assert await _count(engine, model) == 0


@pytest.mark.postgres
async def test_postgres_seed_and_sequences() -> None:
    async with postgres.throwaway_database("omnishop_demo_test", await postgres.require_server()) as url:
        engine = create_engine(url, pool_size=4)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            report = await seed_demo(engine, products=200)
            assert await _count(engine, Product) == report.tables["products"] == 200
            assert await _count(engine, VariantChannelListing) == report.tables["variant_channel_listings"]
            async with engine.begin() as conn:
                new_id = await conn.scalar(insert(Product).values(name="New", slug="brand-new").returning(Product.id))
                new_category = await conn.scalar(
                    insert(Category).values(name="New", slug="brand-new").returning(Category.id)
                )
            assert new_id == 201
            assert new_category == report.tables["categories"] + 1
            async with engine.begin() as conn:
                new_location = await conn.scalar(
                    insert(Location).values(code="NEW", name="New", type=LocationType.STORE).returning(Location.id)
                )
                new_level = await conn.scalar(
                    insert(StockLevel)
                    .values(variant_id=1, location_id=new_location, on_hand=1, reserved=0)
                    .returning(StockLevel.id)
                )
            assert new_location == report.tables["locations"] + 1
            assert new_level == report.tables["stock_levels"] + 1
            with pytest.raises(DemoDataExists):
                await seed_demo(engine, products=5)
        finally:
            await engine.dispose()


ORDERS_OF_MEMBER = """query { me { points { balance } orders(first: 100) { edges { node { number
  total { amount } lines { quantity } } } } } }"""
REGISTER = """mutation($input: MemberRegisterInput!) {
  memberRegister(input: $input) { member { id email } userErrors { message } } }"""
MEMBER_LOOP = """query { me { orders(first: 1) { edges { node { number } } }
  points { balance history(first: 3) { edges { node { delta } } } } coupons { edges { node { code status } } } } }"""
SIGN_IN = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken userErrors { message } } }"""


async def test_demo_members_and_orders_are_consistent(engine: AsyncEngine, client: GraphQLClient) -> None:
    """On both backends: ledgers sum to balances, orders to their lines, and ids continue afterwards."""
    report = await seed_demo(engine, products=60, members=50, orders=200)
    assert (report.tables["members"], report.tables["orders"]) == (50, 200)
    async with engine.connect() as conn:
        members = {m.id: m for m in (await conn.execute(select(Member))).all()}
        entries = (await conn.execute(select(PointsEntry).order_by(PointsEntry.id))).all()
        orders = (await conn.execute(select(Order).order_by(Order.id))).all()
        lines = (await conn.execute(select(OrderLine))).all()
        allocations = (await conn.execute(select(OrderAllocation))).all()
        payments = (await conn.execute(select(Payment))).all()
        events = (await conn.execute(select(OrderEvent))).all()
        emails = set(
            (await conn.scalars(select(MemberIdentity.value).where(MemberIdentity.kind == IdentityKind.EMAIL))).all()
        )
        levels = (await conn.execute(select(StockLevel.on_hand, StockLevel.reserved))).all()
        catalogue = {v.id: (v.sku, v.name) for v in (await conn.execute(select(ProductVariant))).all()}
    assert emails == {f"member{i}@example.com" for i in members}
    running: dict[int, int] = defaultdict(int)
    for entry in entries:  # each entry's balance_after is the running sum, and the last one the balance
        running[entry.member_id] += entry.delta
        assert entry.balance_after == running[entry.member_id]
    assert {i: m.points_balance for i, m in members.items()} == {i: running.get(i, 0) for i in members}
    assert sum(m.points_balance > 0 for m in members.values()) > 10

    by_order: dict[int, list[object]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
        assert catalogue[line.variant_id] == (line.sku, line.variant_name)
        assert line.total == line.unit_price * line.quantity
    assert {o.status for o in orders} == {OrderStatus.COMPLETED, OrderStatus.PAID, OrderStatus.CANCELLED}
    assert sum(o.status is OrderStatus.COMPLETED for o in orders) > len(orders) / 2
    earned = {e.reference: e.delta for e in entries if e.kind is PointsKind.EARN}
    for order in orders:
        assert order.member_id in members
        assert order.total == order.subtotal == sum(ln.total for ln in by_order[order.id])  # type: ignore[attr-defined]
        assert order.number == f"OS-{order.created_at:%Y%m%d}-{order.id:06d}"
        assert earned.get(f"order:{order.number}", 0) == order.points_earned
    assert len({o.token for o in orders}) == len(orders)
    assert sorted(a.order_line_id for a in allocations) == sorted(ln.id for ln in lines)
    # Each order's history: its payment (the data centre's sale), then how it ended, if it did.
    assert sorted((e.order_id, e.type.value) for e in events) == sorted(
        [(o.id, "PAID") for o in orders] + [(o.id, o.status.value) for o in orders if o.status is not OrderStatus.PAID]
    )
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for p in payments:
        paid[p.order_id] += p.amount if p.kind is PaymentKind.CAPTURE else -p.amount
    assert all(paid[o.id] == (0 if o.status is OrderStatus.CANCELLED else o.total) for o in orders)
    assert all(reserved == 0 for _, reserved in levels)  # orders are history: stock is untouched

    # Ids continue after the explicit ones: a new member registers, a demo member signs in and sees orders.
    registered = (
        await client.data(
            REGISTER, {"input": {"name": "New Member", "email": "new@example.com", "password": "a-good-password"}}
        )
    )["memberRegister"]
    assert registered["userErrors"] == [] and registered["member"]["email"] == "new@example.com"
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.max(Member.id))) == 51
        assert await conn.scalar(select(func.max(MemberIdentity.id))) == report.tables["member_identities"] + 1
    busiest = max(members, key=lambda i: sum(o.member_id == i for o in orders))
    token = (
        await client.data(SIGN_IN, {"input": {"identifier": f"member{busiest}@example.com", "password": DEMO_PASSWORD}})
    )["tokenCreate"]["accessToken"]
    me = (await client.data(ORDERS_OF_MEMBER, token=token))["me"]
    assert me["points"]["balance"] == members[busiest].points_balance
    assert len(me["orders"]["edges"]) == sum(o.member_id == busiest for o in orders) > 1


async def test_demo_stock_is_the_same_with_or_without_orders(make_engine: MakeEngine) -> None:
    plain, with_orders = await make_engine(), await make_engine()
    await seed_demo(plain)
    await seed_demo(with_orders, members=20, orders=100)
    assert await _stock_snapshot(plain) == await _stock_snapshot(with_orders)
    assert await _snapshot(plain) == await _snapshot(with_orders)


async def test_orders_need_members(make_engine: MakeEngine) -> None:
    with pytest.raises(ValueError, match="members"):
        await seed_demo(await make_engine(), orders=5)


async def test_progress_labels_count_what_they_say(make_engine: MakeEngine) -> None:
    """Each progress bar ends at the number of rows of the one table its label names."""
    finals: dict[str, tuple[int, int]] = {}
    report = await seed_demo(
        await make_engine(),
        members=8,
        orders=40,
        progress=lambda stage, done, total: finals.__setitem__(stage, (done, total)),
    )
    tables = {
        "variants": "product_variants",
        "variant attributes": "variant_attributes",
        "product listings": "product_channel_listings",
        "variant listings": "variant_channel_listings",
        "location channels": "channel_locations",
        "stock levels": "stock_levels",
        "stock movements": "inventory_movements",
        "coupon templates": "coupon_templates",
        "member identities": "member_identities",
        "member tags": "member_tags",
        "points entries": "points_entries",
        "order lines": "order_lines",
        "allocations": "order_allocations",
        "order locations": "order_locations",
        "order events": "order_events",
        "settlement entries": "settlement_entries",
    }
    labelled = {stage: report.tables[tables.get(stage, stage)] for stage in finals}
    assert all(done == total for done, total in finals.values()), finals
    assert {stage: done for stage, (done, _) in finals.items()} == labelled
    assert set(finals) == set(tables) | {
        "channels",
        "categories",
        "products",
        "locations",
        "promotions",
        "coupons",
        "members",
        "orders",
        "fulfilments",
        "payments",
    }


async def test_demo_members_hold_orders_points_and_coupons(engine: AsyncEngine, client: GraphQLClient) -> None:
    """What `serve --demo` loads: members who signed in see orders, a points history and a coupon."""
    from api.cli import DEMO_MEMBERS, DEMO_ORDERS, DEMO_PRODUCTS

    await seed_demo(engine, products=DEMO_PRODUCTS, members=DEMO_MEMBERS, orders=DEMO_ORDERS)
    token = (await client.data(SIGN_IN, {"input": {"identifier": "member1@example.com", "password": DEMO_PASSWORD}}))[
        "tokenCreate"
    ]["accessToken"]
    me = (await client.data(MEMBER_LOOP, token=token))["me"]
    assert me["orders"]["edges"] and me["points"]["balance"] > 0 and me["points"]["history"]["edges"]
    assert [(c["node"]["code"], c["node"]["status"]) for c in me["coupons"]["edges"]] == [("THANKS000001", "ACTIVE")]
    async with engine.connect() as conn:
        holders = (await conn.execute(select(Coupon.member_id, Coupon.code).order_by(Coupon.id))).all()
    assert holders == [(i, f"THANKS{i:06d}") for i in range(1, DEMO_MEMBERS + 1)]
