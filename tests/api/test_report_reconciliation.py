"""Every figure of the data centre reconciles with the orders it summarises: the rollups, fed event by
event in small batches, answer every grouping exactly as a direct computation from the orders, their
lines and their history does (tests/report_oracle.py); returns add up to what the lines say came back;
a rebuild from scratch gives the same rollups. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.report_feeder import ReportFeeder
from db import report_feed
from db.engine import create_session_factory, write_options
from db.models import Channel, ReportSalesDaily
from db.report_feed import ROLLUPS
from domain.clock import system_clock
from schema.relay import decode_id
from tests.helpers import GraphQLClient
from tests.report_fixtures import ZONE, Trading, fixture_settings, fixture_week_of_trading  # noqa: F401 (pytest fixtures)
from tests.report_oracle import Truth, cents, grouped, truth

FIGURES = "orders units gross { amount } discounts { amount } returns { amount } net { amount } "
FIGURES += "averageOrderValue { amount currency }"
SALES = f"""query($filter: ReportFilter!, $groupBy: [ReportDimension!]) {{
  salesReport(filter: $filter, groupBy: $groupBy) {{
    totals {{ {FIGURES} }}
    rows {{ date channel {{ id slug }} location {{ id }} category {{ id }} figures {{ {FIGURES} }} }} }} }}"""
TOP = """query($filter: ReportFilter!, $by: TopProductsBy, $first: Int) {
  topProducts(filter: $filter, by: $by, first: $first) { product { id } units net { amount currency } } }"""
PERIODS = (None, "DAY", "WEEK", "MONTH")
OTHERS = ("CHANNEL", "LOCATION", "CATEGORY")
GROUPINGS = [
    tuple(d for d in (p, *others) if d)
    for p in PERIODS
    for r in range(len(OTHERS) + 1)
    for others in itertools.combinations(OTHERS, r)
]


def figures(f: dict[str, Any]) -> dict[str, Any]:
    aov = f["averageOrderValue"]
    assert aov is None or aov["currency"] == "CNY"
    return {
        "orders": f["orders"],
        "units": f["units"],
        **{k: f[k]["amount"] for k in ("gross", "discounts", "returns", "net")},
        "aov": aov["amount"] if aov else None,
    }


def row_key(row: dict[str, Any], slugs: dict[str, int]) -> tuple[Any, ...]:
    return (
        date.fromisoformat(row["date"]) if row["date"] else None,
        slugs[row["channel"]["slug"]] if row["channel"] else None,
        decode_id(row["location"]["id"], "Location") if row["location"] else None,
        decode_id(row["category"]["id"], "Category") if row["category"] else None,
    )


def period_filter(t: Truth) -> dict[str, str]:
    days = [day for day, *_ in t.groups]
    return {"from": str(min(days) - timedelta(days=1)), "to": str(max(days) + timedelta(days=1))}


async def rollup_rows(engine: AsyncEngine) -> list[list[Any]]:
    async with engine.connect() as conn:
        return [
            sorted(tuple(r) for r in await conn.execute(sa.select(table)))  # type: ignore[misc]
            for table in ROLLUPS
        ]


async def test_every_figure_of_every_grouping_and_the_top_products_reconcile_with_the_orders(
    client: GraphQLClient, week_of_trading: Trading, demo: AsyncEngine
) -> None:
    feeder = ReportFeeder(create_session_factory(demo), ZONE, interval=1, batch=7)
    assert await feeder.catch_up() > 7  # several passes
    assert await feeder.feed_once() == 0  # every event counted, none twice
    t = await truth(demo, ZONE)
    assert len({day for day, *_ in t.groups}) >= 5
    assert any(g.returns for g in t.groups.values()) and any(g.discounts for g in t.groups.values())
    assert any(category is None for *_, category in t.groups)
    for line_id, value in t.returned_by_line.items():  # what came back, by the lines' own count
        line = t.lines[line_id]
        assert value == cents(line.total * line.returned_quantity / line.quantity) or (
            line.returned_quantity == 0 and value == line.total  # a paid order cancelled
        )
    async with demo.connect() as conn:
        slugs = {slug: i for slug, i in await conn.execute(sa.select(Channel.slug, Channel.id))}
    period = period_filter(t)
    for dims in GROUPINGS:
        report = (await client.data(SALES, {"filter": period, "groupBy": list(dims)}, token=week_of_trading.admin))[
            "salesReport"
        ]
        totals, rows = grouped(t, dims)
        assert figures(report["totals"]) == totals, dims
        got = {row_key(r, slugs): figures(r["figures"]) for r in report["rows"]}
        assert got == (rows if dims else {}), dims  # no grouping: the totals only
        assert len(got) == len(report["rows"])
        keys = [row_key(r, slugs) for r in report["rows"]]  # in order of period, then ids (none first)
        assert keys == sorted(keys, key=lambda k: (k[0] or date.min, *(i or 0 for i in k[1:]))), dims
    for by, rank in (("NET", lambda p: (-t.products[p][1], p)), ("UNITS", lambda p: (-t.products[p][0], p))):
        top = (await client.data(TOP, {"filter": period, "by": by}, token=week_of_trading.admin))["topProducts"]
        expected = sorted(t.products, key=rank)
        assert [decode_id(p["product"]["id"], "Product") for p in top] == expected
        assert [(p["units"], p["net"]["amount"]) for p in top] == [
            (t.products[p][0], str(cents(t.products[p][1]))) for p in expected
        ]


async def test_a_rebuild_from_scratch_gives_the_same_rollups(week_of_trading: Trading, demo: AsyncEngine) -> None:
    await ReportFeeder(create_session_factory(demo), ZONE, interval=1, batch=5).catch_up()
    fed = await rollup_rows(demo)
    assert fed[0]
    async with create_session_factory(demo)() as session:
        await session.connection(execution_options=write_options(session))
        read = await report_feed.rebuild(session, ZONE, system_clock(), batch=11)
        await session.commit()
    assert read > 11
    assert await rollup_rows(demo) == fed
    async with demo.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(ReportSalesDaily)) == len(fed[0])
