"""`settlement`: the seconds to generate a month's settlement statements for `--orders` (100,000)
completed orders through the graph (`settlementStatementGenerate`), to generate them again (the
DRAFTs rebuilt) and to confirm every one, with the SQL statements each call sends.

The month's orders come from the demo generator (`db.demo_orders`, the same split as the demo's
history): till sales at the franchise store and the concession counter, online orders referred by a
store, pickups handed over by a store, every one completed, and one in `RETURN_EVERY` with one unit
of its first line returned (RETURN entries by the domain's reversal). The concession's rule carries a
guaranteed minimum, so its statement is topped up. The database (`omnishop_bench_settlement_<orders>o`)
is made once and kept (`--fresh` remakes it); each run works on a throwaway copy of it, so the entries
start unclaimed every time. Orders are placed over the 31 days ending eleven days before the period ends,
so all of them are settleable by then (the return window is 7 days, a delivery takes 3).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import statements
from bench.database import (
    ADMIN_URL,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    Target,
    database_exists,
    ensure_bench_admin,
    run_admin,
    scratch_copy,
    with_database,
)
from bench.graph import STAFF_SIGN_IN
from bench.harness import Report, say
from db import demo, demo_settlement
from db.demo_catalogue import EPOCH, ONLINE, POS
from db.demo_loader import Loader, Row
from db.demo_orders import Catalogue, Writer, plan
from db.engine import create_engine
from db.migrations import upgrade
from db.models import (
    Location,
    OrderLine,
    Party,
    PointsEntry,
    Product,
    ProductVariant,
    SettlementEntry,
    SettlementRule,
    VariantChannelListing,
)
from domain.inventory.model import LocationType
from domain.orders.model import OrderStatus
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole, Share, reversal

PERIOD_START, PERIOD_END = EPOCH - timedelta(days=31), EPOCH  # December 2025, the demo's last month
MONTH = timedelta(days=31)
ORDERS_FROM = PERIOD_START - timedelta(days=11)
RETURN_EVERY = 20
MINIMUM = Decimal(10_000_000)  # the concession's guaranteed month: above what it sells, so it is topped up
GENERATE = """mutation($input: SettlementStatementGenerateInput!) {
  settlementStatementGenerate(input: $input) {
    statements { id party { name } total { amount } entries(first: 1) { totalCount } }
    userErrors { field code message } } }"""
CONFIRM = """mutation($id: ID!) { settlementStatementConfirm(id: $id) {
  statement { status } userErrors { field code message } } }"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(products=2_000)
    parser.add_argument("--orders", type=int, default=100_000, help="completed orders in the month")
    parser.add_argument("--members", type=int, default=20_000, help="members who place them")


async def _catalogue(conn: AsyncConnection) -> tuple[Catalogue, list[int]]:
    """What an order line copies, read back from the seeded catalogue, and the stores."""
    V, P, L = ProductVariant, Product, VariantChannelListing
    variants: dict[int, tuple[str, str, str]] = {}
    categories: dict[int, int | None] = {}
    for row in await conn.execute(sa.select(V.id, V.sku, V.name, P.name, P.category_id).join(P, P.id == V.product_id)):
        variants[row[0]] = (row[1], row[2], row[3])
        categories[row[0]] = row[4]
    prices: dict[int, dict[int, Decimal]] = {ONLINE: {}, POS: {}}
    for channel_id, variant_id, price in await conn.execute(sa.select(L.channel_id, L.variant_id, L.price)):
        prices[channel_id][variant_id] = price
    stores = await conn.scalars(sa.select(Location.id).where(Location.type == LocationType.STORE).order_by(Location.id))
    return Catalogue(variants, prices, categories), list(stores)


def _returns(made: dict[str, list[Row]], writer: Writer) -> None:
    """One unit of the first line of every `RETURN_EVERY`th order back two days after completion: the
    line's returned quantity and the RETURN entries reversing its SALE entries."""
    sold: dict[int, list[Row]] = {}
    for entry in made["entries"]:
        sold.setdefault(entry["order_line_id"], []).append(entry)
    first_lines: dict[int, Row] = {}
    for line in made["lines"]:
        first_lines.setdefault(line["order_id"], line)
    for order_id, line in first_lines.items():
        if order_id % RETURN_EVERY or line["id"] not in sold:
            continue
        line["returned_quantity"] = 1
        entries = sold[line["id"]]
        shares = [Share(e["party_id"], e["role"], e["amount"], e["rule_id"]) for e in entries]
        at = entries[0]["completed_at"]
        for share in reversal(shares, line["quantity"], 0, 1, "CNY"):
            made["entries"].append(
                {
                    **entries[0],
                    "id": writer.next_entry_id,
                    "party_id": share.party_id,
                    "role": share.role,
                    "event": SettlementEvent.RETURN,
                    "rule_id": None,
                    "amount": share.amount,
                    "created_at": at + timedelta(days=2),
                }
            )
            writer.next_entry_id += 1


async def _month(url: str, products: int, members: int, orders: int) -> None:
    """The demo's catalogue, stores, members and settlement set-up, then the month's completed orders."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await demo.seed_demo(engine, products=products, members=members, promotions=False)
        async with engine.begin() as conn:
            catalogue, stores = await _catalogue(conn)
            drawn = plan(random.Random(7), orders, members, ORDERS_FROM, catalogue, ONLINE, POS, stores, MONTH)
            planned = [p._replace(status=OrderStatus.COMPLETED) for p in drawn]
            points = await conn.scalar(sa.select(sa.func.max(PointsEntry.id))) or 0
            writer = Writer(catalogue, demo.demo_inventory.WAREHOUSE_ID, 7, {}, points + 1, stores)
            writer.ledger = await demo_settlement.ledger(conn)
            loader = Loader(conn, {}, None, copy=True)
            await loader.skip_foreign_key_checks()
            for first in range(0, len(planned), demo.ORDER_SLICE):
                made = writer.rows(planned[first : first + demo.ORDER_SLICE], first + 1)
                _returns(made, writer)
                for name, table in demo.ORDER_TABLES.items():
                    await loader.write(table, made[name])
                say(f"settlement: {first + len(made['orders']):,} of {orders:,} orders written")
            await loader.fix_sequences()
            await ensure_bench_admin(conn)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


@asynccontextmanager
async def month(args: argparse.Namespace) -> AsyncIterator[Target]:
    """A copy of the kept database of the month's orders (made first if missing or `--fresh`)."""
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="omnishop-bench-") as tmp:
            target = Target(f"sqlite+aiosqlite:///{tmp}/settlement.db", owned=True)
            await _month(target.url, args.products, args.members, args.orders)
            yield target
        return
    name = f"omnishop_bench_settlement_{args.orders}o"
    kept = Target(with_database(ADMIN_URL, name), owned=True)
    if await database_exists(name) and not args.fresh and await _complete(kept.url, args.orders):
        say(f"reusing {name} (--fresh remakes it)")
    else:
        await run_admin(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await run_admin(ADMIN_URL, f'CREATE DATABASE "{name}"')
        say(f"making {name}: {args.orders:,} orders")
        await _month(kept.url, args.products, args.members, args.orders)
    async with scratch_copy(kept) as copy:
        yield copy


async def _complete(url: str, orders: int) -> bool:
    """Whether the kept database holds the month, migrated to the newest revision."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            found = await conn.scalar(sa.select(sa.func.count()).select_from(OrderLine.__table__))
            returned = await conn.scalar(
                sa.select(sa.func.count()).where(SettlementEntry.event == SettlementEvent.RETURN)
            )
            counted = await conn.scalar(sa.text("SELECT count(*) FROM orders"))
        return bool(found and returned and counted == orders)
    finally:
        await engine.dispose()


async def _timed(probe: statements.Probe, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], float, int]:
    probe.take()
    started = time.perf_counter()
    data = await probe.post(query, variables)
    return data, time.perf_counter() - started, probe.take()


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.update(orders=args.orders, backend="sqlite" if args.sqlite else "postgresql")
    period = {"periodStart": PERIOD_START.isoformat(), "periodEnd": PERIOD_END.isoformat()}
    async with month(args) as db, statements.probe(db.url) as probe:
        signed = await probe.post(STAFF_SIGN_IN, {"input": {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}})
        probe.client.headers["Authorization"] = f"Bearer {signed['staffTokenCreate']['accessToken']}"
        engine = create_engine(db.url)
        async with engine.begin() as conn:
            tenant = sa.select(Party.id).where(Party.kind == PartyKind.CONCESSION).scalar_subquery()
            await conn.execute(
                sa.update(SettlementRule)
                .where(SettlementRule.role == SettlementRole.SELLER, SettlementRule.party_id == tenant)
                .values(minimum_per_period=MINIMUM, currency="CNY")
            )
            entries, net = (await conn.execute(sa.select(sa.func.count(), sa.func.sum(SettlementEntry.amount)))).one()
        await engine.dispose()
        first, seconds, sql = await _timed(probe, GENERATE, {"input": period})
        made = first["settlementStatementGenerate"]
        if made["userErrors"]:
            raise RuntimeError(f"generate refused: {made['userErrors']}")
        found = made["statements"]
        collected = sum(s["entries"]["totalCount"] for s in found)
        total = sum(Decimal(s["total"]["amount"]) for s in found)
        report.figure("generate_s", round(seconds, 3), statements=len(found), entries=collected, sql_statements=sql)
        again, seconds, sql = await _timed(probe, GENERATE, {"input": period})
        report.figure("regenerate_s", round(seconds, 3), statements=len(found), sql_statements=sql)
        if [s["id"] for s in again["settlementStatementGenerate"]["statements"]] != [s["id"] for s in found]:
            raise RuntimeError("generating again made other statements")
        probe.take()
        started = time.perf_counter()
        for s in found:
            await probe.post(CONFIRM, {"id": s["id"]})
        report.figure(
            "confirm_all_s", round(time.perf_counter() - started, 3), statements=len(found), sql_statements=probe.take()
        )
        # A top-up adds its two sides (they cancel out): the statements hold every entry, and add up to them.
        report.figure("entries", collected, written=entries, total=str(total), entries_sum=str(net))
        return 0 if total == net and collected >= entries else 1
