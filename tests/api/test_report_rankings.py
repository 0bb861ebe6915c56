"""The bounded product ranking (db/report_rankings.py) is exact whatever the threshold proves: with
seeds of none, one or a thousand products beyond the ranking's length, for rankings of one, two and
ten products, by net and by units, over orders spread across months and days covered by months, a
span, or a span and months, it answers what the orders say (tests/report_oracle.py), in one
from candidates when the threshold proves it and from every product when it does not. The monthly and span rollups are
the daily one summed by month and by four months, fed or rebuilt. On SQLite and PostgreSQL."""

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
from db.models import Channel, OrderEvent, ReportProductMonthly, ReportProductSpan, ReportSalesDaily
from db.reports import SqlReports
from domain.clock import system_clock
from domain.reports.model import ReportFilter, TopProductsBy
from domain.reports.rollup import shift_month
from tests.report_fixtures import ZONE, Trading, fixture_settings, fixture_week_of_trading  # noqa: F401 (pytest fixtures)
from tests.report_oracle import cents, truth


@pytest.fixture
async def trading(week_of_trading: Trading, demo: AsyncEngine) -> Trading:
    """A week of trading, every other order's history a month earlier still."""
    t = week_of_trading
    async with create_session_factory(demo)() as session:
        # SQLite: the write lock first, or a background commit between the read and the first write
        # fails the write at once ("database is locked": WAL cannot upgrade a stale read)
        await session.connection(execution_options=write_options(session))
        at = (await session.execute(sa.select(OrderEvent.id, OrderEvent.order_id, OrderEvent.created_at))).all()
        for event_id, order_id, moment in at:
            if order_id % 2:
                moved = moment - timedelta(days=35)
                await session.execute(sa.update(OrderEvent).where(OrderEvent.id == event_id).values(created_at=moved))
        await session.commit()
    await ReportFeeder(create_session_factory(demo), ZONE, interval=1, batch=9).catch_up()
    return t


async def ranking(engine: AsyncEngine, f: ReportFilter, by: TopProductsBy, first: int) -> tuple[list[Any], bool]:
    """The ranking through the reports' reader, and whether the threshold bounded it (the ranking read
    candidates from the bounds; always two statements: the threshold, the ranking)."""
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
    assert len(seen) == 2
    return [(p.product_id, p.units, cents(p.net)) for p in top], "report_product_" in seen[-1]


@pytest.mark.usefixtures("trading")
async def test_the_ranking_is_exact_whether_the_bound_proves_it_or_not(
    demo: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await truth(demo, ZONE)
    days = sorted({day for day, *_ in t.groups})
    assert len(report_rankings.months(days[0], days[-1])) >= 2
    async with demo.connect() as conn:
        pos = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "pos"))
    bounded: dict[int, set[bool]] = defaultdict(set)  # by seed
    # by months, by a span, by a span and months
    for start in (days[0], days[0] - timedelta(days=62), days[0] - timedelta(days=150)):
        f = ReportFilter(start, days[-1], None, None)
        for by in TopProductsBy:
            figure = 1 if by is TopProductsBy.NET else 0
            expected = [
                (p, t.products[p][0], cents(t.products[p][1]))
                for p in sorted(t.products, key=lambda p: (-t.products[p][figure], p))
            ]
            for first in (1, 2, 10):
                in_pos = []
                for seed in (0, 1, 1000):
                    monkeypatch.setattr(report_rankings, "SEED", seed)
                    got, by_threshold = await ranking(demo, f, by, first)
                    assert got == expected[:first], (start, by, first, seed)
                    bounded[seed].add(by_threshold)
                    if seed == 1000:  # every product in the seed: a threshold when the `first`-th sold
                        assert by_threshold == (len(expected) >= first and expected[first - 1][1 + figure] > 0)
                    in_pos.append((await ranking(demo, ReportFilter(f.start, f.end, (pos,), None), by, first))[0])
                assert in_pos[0] == in_pos[1] == in_pos[2] and in_pos[0], (by, first)
    assert bounded[0] | bounded[1] == {True, False}, bounded  # proven by the threshold, and not


async def bound_rows(engine: AsyncEngine) -> tuple[tuple[dict[Any, Any], ...], tuple[dict[Any, Any], ...]]:
    """The monthly and span rollups, and the daily one summed by month and by span (products deleted
    left out)."""
    async with engine.connect() as conn:
        kept = []
        for table in (ReportProductMonthly, ReportProductSpan):
            rows = await conn.execute(sa.select(table))
            kept.append({(r.month, r.product_id): (r.units_sold, r.sales) for r in rows})
        daily = (await conn.execute(sa.select(ReportSalesDaily))).all()
    months: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    spans: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in daily:
        if r.product_id:
            month = r.business_date.replace(day=1)
            for summed in (
                months[(month, r.product_id)],
                *(spans[(shift_month(month, -b), r.product_id)] for b in range(4)),
            ):
                summed[0] += r.units_sold
                summed[1] += r.gross - r.discounts
    return tuple(kept), tuple({k: tuple(v) for k, v in summed.items()} for summed in (months, spans))


@pytest.mark.usefixtures("trading")
async def test_the_monthly_and_span_rollups_are_the_daily_one_summed_fed_or_rebuilt(demo: AsyncEngine) -> None:
    kept, summed = await bound_rows(demo)
    assert kept == summed and len({month for month, _ in kept[0]}) >= 2
    assert len({month for month, _ in kept[1]}) >= 5  # a month's figures are in four spans
    async with create_session_factory(demo)() as session:
        await session.connection(execution_options=write_options(session))
        await report_feed.rebuild(session, ZONE, system_clock(), batch=13)
        await session.commit()
    assert await bound_rows(demo) == (kept, summed)
