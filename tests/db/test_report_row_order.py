"""A sales report's rows as the reader gives them (db/reports.py): one per key, summed exactly (the same
digits and scale as the rollup's amounts), in key order, for every kind of grouping. `regroup` takes
them as they are when nothing folds, so the order is the reader's: on PostgreSQL the planner is kept
from sorting for the grouping (a hash aggregate's rows come in no order), so that only the statement's
own ORDER BY can put them in order; by day and store, the covering index serves it. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.models import ReportCategoryOrdersDaily, ReportOrdersDaily
from db.reports import SqlReports
from domain.reports.model import PERIODS, ReportDimension, ReportFilter
from tests.report_fixtures import ZONE

D = ReportDimension
FIRST_DAY = date(2026, 1, 1)
GROUPINGS = [
    (),
    (D.DAY,),
    (D.LOCATION,),
    (D.DAY, D.LOCATION),
    (D.LOCATION, D.DAY),
    (D.WEEK, D.CHANNEL),
    (D.CHANNEL, D.LOCATION),
    (D.CATEGORY,),
    (D.MONTH, D.CATEGORY, D.LOCATION),
    (D.DAY, D.CHANNEL, D.LOCATION, D.CATEGORY),
]


def amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(2_000_000)).scaleb(-3)  # thousandths, as NUMERIC(14, 3) keeps them


def rollup_rows(rng: random.Random, category: bool) -> list[dict[str, Any]]:
    """Rows for every day, channel, store (0: none) and category of a season, inserted in no order."""
    rows = [
        {
            "business_date": FIRST_DAY + timedelta(days=day),
            "channel_id": channel,
            "location_id": location,
            **({"category_id": c} if category else {}),
            "orders": rng.randint(0, 9),
            "units_sold": rng.randint(0, 20),
            "units_returned": rng.randint(0, 3),
            "gross": amount(rng),
            "discounts": amount(rng),
            "returns": amount(rng),
        }
        for day in range(70)
        for channel in (1, 2)
        for location in (0, 3, 11, 12)
        for c in ((0, 5, 40) if category else (0,))
        if rng.random() < 0.8
    ]
    rng.shuffle(rows)
    return rows


@pytest.fixture
async def rolled_up(engine: AsyncEngine) -> tuple[AsyncEngine, dict[bool, list[dict[str, Any]]]]:
    rng = random.Random(26)
    rows = {False: rollup_rows(rng, False), True: rollup_rows(rng, True)}
    async with engine.begin() as conn:
        await conn.execute(sa.insert(ReportOrdersDaily), rows[False])
        await conn.execute(sa.insert(ReportCategoryOrdersDaily), rows[True])
    return engine, rows


def expected(rows: list[dict[str, Any]], f: ReportFilter, dims: tuple[ReportDimension, ...]) -> list[tuple[Any, ...]]:
    """(key, orders, units, gross, discounts, returns) per key, the amounts as strings, in key order."""
    zero = Decimal("0.000")
    sums: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0, zero, zero, zero])
    for r in rows:
        if f.start <= r["business_date"] <= f.end:
            key = (
                r["business_date"] if any(d in PERIODS for d in dims) else None,
                r["channel_id"] if D.CHANNEL in dims else None,
                r["location_id"] if D.LOCATION in dims else None,
                r["category_id"] if D.CATEGORY in dims else None,
            )
            figures = (r["orders"], r["units_sold"] - r["units_returned"], r["gross"], r["discounts"], r["returns"])
            sums[key] = [a + b for a, b in zip(sums[key], figures, strict=True)]
    order = sorted(sums, key=lambda k: (k[0] or date.min, *(i or 0 for i in k[1:])))
    return [(k, sums[k][0], sums[k][1], *(str(a) for a in sums[k][2:])) for k in order]


@pytest.mark.parametrize("dims", GROUPINGS, ids=lambda dims: "-".join(dims) or "totals")
async def test_the_rows_are_summed_exactly_one_per_key_in_key_order(
    rolled_up: tuple[AsyncEngine, dict[bool, list[dict[str, Any]]]], dims: tuple[ReportDimension, ...]
) -> None:
    engine, rows = rolled_up
    f = ReportFilter(FIRST_DAY + timedelta(days=3), FIRST_DAY + timedelta(days=60))
    async with create_session_factory(engine)() as session:
        if engine.dialect.name == "postgresql":
            await session.execute(sa.text("SET LOCAL enable_sort = off"))  # group by hashing, in no order
        got = await SqlReports(session, ZONE).sales_rows(f, dims)
    want = expected(rows[D.CATEGORY in dims], f, dims)
    assert len(want) == 1 if not dims else len(want) > 1
    figures = [(r.figures, tuple(r.key)) for r in got]
    assert [(k, f.orders, f.units, str(f.gross), str(f.discounts), str(f.returns)) for f, k in figures] == want


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def test_a_report_by_day_and_store_reads_its_rows_in_order_from_the_index_alone(
    rolled_up: tuple[AsyncEngine, dict[bool, list[dict[str, Any]]]],
) -> None:
    """PostgreSQL: the statement of a report by day and store (the dashboard's and the bench's) is served
    by the covering index (migration 0026) in the report's order: no sort, no hashing into groups (with
    the table's pages all-visible, as VACUUM leaves them at scale, an index-only scan)."""
    engine, _ = rolled_up
    if engine.dialect.name != "postgresql":
        pytest.skip("the index holds the figures (INCLUDE) on PostgreSQL only")
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
            "VACUUM ANALYZE report_orders_daily"
        )
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    f = ReportFilter(FIRST_DAY + timedelta(days=3), FIRST_DAY + timedelta(days=60))
    for dims in ((D.DAY, D.LOCATION), (D.DAY,)):
        seen.clear()
        sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            async with create_session_factory(engine)() as session:
                await SqlReports(session, ZONE).sales_rows(f, dims)
        finally:
            sa.event.remove(engine.sync_engine, "before_cursor_execute", capture)
        [(statement, parameters)] = [(s, p) for s, p in seen if "report_orders_daily" in s]
        async with engine.connect() as conn:
            # a few pages here, a year of them at scale; and a test's table may have no page all-visible yet
            await conn.exec_driver_sql("SET enable_seqscan = off")
            await conn.exec_driver_sql("SET enable_bitmapscan = off")
            explained = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).scalar()
        nodes = list(_nodes((json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]))
        kinds = [n["Node Type"] for n in nodes]
        assert "Sort" not in kinds and "Hash" not in " ".join(n.get("Strategy", "") for n in nodes), (dims, kinds)
        assert [n.get("Index Name") for n in nodes if "Index Name" in n] == [
            "ix_report_orders_daily_business_date_location_id"
        ], (dims, kinds)
