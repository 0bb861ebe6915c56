"""The bounded product ranking (db/report_rankings.py) is exact whatever the bound proves: with each
month's best one, two or thousand products as candidates, for rankings of one, two and ten products,
by net and by units, over orders spread across months, it answers what the orders say
(tests/report_oracle.py), in one statement when the bound proves it and two when it does not. The
monthly rollup is the daily one summed by month, fed or rebuilt. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.report_feeder import ReportFeeder
from db import report_feed, report_rankings
from db.engine import create_session_factory, write_options
from db.models import Channel, OrderEvent, ReportProductMonthly, ReportSalesDaily
from db.reports import SqlReports
from domain.clock import system_clock
from domain.reports.model import ReportFilter, TopProductsBy
from tests.report_fixtures import ZONE, Trading, fixture_settings, fixture_week_of_trading  # noqa: F401 (pytest fixtures)
from tests.report_oracle import cents, truth


@pytest.fixture
async def trading(week_of_trading: Trading, demo: AsyncEngine) -> Trading:
    """A week of trading, every other order's history a month earlier still."""
    t = week_of_trading
    async with demo.begin() as conn:
        at = (await conn.execute(sa.select(OrderEvent.id, OrderEvent.order_id, OrderEvent.created_at))).all()
        for event_id, order_id, moment in at:
            if order_id % 2:
                moved = moment - timedelta(days=35)
                await conn.execute(sa.update(OrderEvent).where(OrderEvent.id == event_id).values(created_at=moved))
    await ReportFeeder(create_session_factory(demo), ZONE, interval=1, batch=9).catch_up()
    return t


async def ranking(engine: AsyncEngine, f: ReportFilter, by: TopProductsBy, first: int) -> tuple[list[Any], int]:
    """The ranking through the reports' reader, and the statements it took."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "report_sales_daily" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with create_session_factory(engine)() as session:
            top = await SqlReports(session, ZONE).top_products(f, by, first)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return [(p.product_id, p.units, cents(p.net)) for p in top], len(seen)


@pytest.mark.usefixtures("trading")
async def test_the_ranking_is_exact_whether_the_bound_proves_it_or_not(
    demo: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await truth(demo, ZONE)
    days = sorted({day for day, *_ in t.groups})
    assert len(report_rankings.months(days[0], days[-1])) >= 2
    f = ReportFilter(days[0], days[-1], None, None)
    async with demo.connect() as conn:
        pos = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "pos"))
    statements: dict[int, set[int]] = defaultdict(set)  # by depth
    for by in TopProductsBy:
        key = (lambda p: (-t.products[p][1], p)) if by is TopProductsBy.NET else (lambda p: (-t.products[p][0], p))
        expected = [(p, t.products[p][0], cents(t.products[p][1])) for p in sorted(t.products, key=key)]
        for first in (1, 2, 10):
            in_pos = []
            for depth in (1, 2, 1000):
                monkeypatch.setitem(report_rankings.DEPTH, by, depth)
                got, n = await ranking(demo, f, by, first)
                assert got == expected[:first], (by, first, depth)
                statements[depth].add(n)
                in_pos.append((await ranking(demo, ReportFilter(f.start, f.end, (pos,), None), by, first))[0])
            assert in_pos[0] == in_pos[1] == in_pos[2] and in_pos[0], (by, first)
    assert statements[1] | statements[2] == {1, 2}, statements  # proven by the bound, and not
    assert statements[1000] == {1}  # every product a candidate


async def monthly_rows(engine: AsyncEngine) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The monthly rollup, and the daily one summed by month (products deleted left out)."""
    async with engine.connect() as conn:
        kept = {
            (r.month, r.product_id): (r.units_sold, r.sales)
            for r in await conn.execute(sa.select(ReportProductMonthly))
        }
        daily = (await conn.execute(sa.select(ReportSalesDaily))).all()
    summed: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in daily:
        if r.product_id:
            month = summed[(r.business_date.replace(day=1), r.product_id)]
            month[0] += r.units_sold
            month[1] += r.gross - r.discounts
    return kept, {k: tuple(v) for k, v in summed.items()}


@pytest.mark.usefixtures("trading")
async def test_the_monthly_rollup_is_the_daily_one_by_month_fed_or_rebuilt(demo: AsyncEngine) -> None:
    kept, summed = await monthly_rows(demo)
    assert kept == summed and len({month for month, _ in kept}) >= 2
    async with create_session_factory(demo)() as session:
        await session.connection(execution_options=write_options(session))
        await report_feed.rebuild(session, ZONE, system_clock(), batch=13)
        await session.commit()
    assert await monthly_rows(demo) == (kept, summed)
