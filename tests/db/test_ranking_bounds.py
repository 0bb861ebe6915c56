"""The bounded product ranking (db/report_rankings.py) answers what summing every product's days answers,
over rollups of many products with flat and skewed demand, returns, deleted products, several channels
and stores: for windows of a day to eight months (one block or a span and months), every filter,
rankings of one to twelve, by net and by units, and seeds from none to every product. Both ways of
answering are taken: from candidates proven by the threshold, and from every product. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db import report_rankings
from db.engine import create_session_factory
from db.models import ReportProductMonthly, ReportProductSpan, ReportSalesDaily
from db.reports import SqlReports, _where
from domain.reports.model import ReportFilter, TopProductsBy
from domain.reports.rollup import SPAN_MONTHS, shift_month
from tests.report_fixtures import ZONE

FIRST_DAY = date(2026, 1, 1)
DAYS = 240
PRODUCTS = 120


def daily_rows(rng: random.Random) -> list[dict[str, Any]]:
    """Each product sells on a few days (most a unit or two, a handful of products many), some units
    come back (on the day of the sale or later, so a window can hold the return and not the sale)."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for product_id in range(PRODUCTS + 1):  # 0: deleted from the catalogue
        busy = product_id % 23 == 5
        for _ in range(rng.randint(1, 40 if busy else 12)):
            key = (
                FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                rng.choice((1, 2)),
                rng.choice((0, 1, 2)),
                product_id % 4,
                product_id,
                product_id * 10 + rng.randint(0, 1),
            )
            names = ("business_date", "channel_id", "location_id", "category_id", "product_id", "variant_id")
            zero = {
                "units_sold": 0,
                "units_returned": 0,
                "gross": Decimal(0),
                "discounts": Decimal(0),
                "returns": Decimal(0),
            }
            row = rows.setdefault(key, dict(zip(names, key, strict=True)) | zero)
            units = rng.randint(1, 9 if busy else 2)
            price = Decimal(rng.choice((5, 20, 99, 450))) + Decimal(rng.randrange(100)) / 100
            if rng.random() < 0.8:
                row["units_sold"] += units
                row["gross"] += units * price
                row["discounts"] += (units * price * rng.choice((0, 0, 5, 15)) / 100).quantize(Decimal("0.01"))
            else:  # a return
                row["units_returned"] += units
                row["returns"] += units * price
    return list(rows.values())


def bounds(daily: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The monthly and span rows that the feed keeps, from the daily ones."""
    monthly: dict[tuple[date, int], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in daily:
        if r["product_id"]:
            m = monthly[(r["business_date"].replace(day=1), r["product_id"])]
            m[0] += r["units_sold"]
            m[1] += r["gross"] - r["discounts"]
    spans: dict[tuple[date, int], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for (month, product_id), (units, sales) in monthly.items():
        for back in range(SPAN_MONTHS):
            s = spans[(shift_month(month, -back), product_id)]
            s[0] += units
            s[1] += sales
    return [
        [{"month": m, "product_id": p, "units_sold": u, "sales": s} for (m, p), (u, s) in rows.items()]
        for rows in (monthly, spans)
    ]  # type: ignore[return-value]


@pytest.fixture
async def rolled_up(engine: AsyncEngine) -> AsyncEngine:
    daily = daily_rows(random.Random(20))
    monthly, spans = bounds(daily)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(ReportSalesDaily), daily)
        await conn.execute(sa.insert(ReportProductMonthly), monthly)
        await conn.execute(sa.insert(ReportProductSpan), spans)
    return engine


async def answers(engine: AsyncEngine, f: ReportFilter, by: TopProductsBy, first: int) -> tuple[Any, Any, bool]:
    """The ranking, the one from every product's days, and whether the ranking read candidates."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    async with create_session_factory(engine)() as session:
        await session.connection()
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            ranked = await SqlReports(session, ZONE).top_products(f, by, first)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        every = (await session.execute(report_rankings.every_product(_where(ReportSalesDaily, f), by, first))).all()
    return (
        [(p.product_id, p.units, p.net) for p in ranked],
        [(r.product_id, int(r.units), r.net) for r in every],
        "report_product_" in seen[-1],
    )


WINDOWS = [  # (first day's offset, days): a day, a week, a month across two, 90 days, 100, 200
    (40, 1),
    (55, 7),
    (45, 30),
    (20, 90),
    (31, 90),
    (100, 100),
    (10, 200),
]


async def test_the_bounded_ranking_is_every_products_ranking(
    rolled_up: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded: set[bool] = set()
    full = 0
    for offset, days in WINDOWS:
        start = FIRST_DAY + timedelta(days=offset)
        end = start + timedelta(days=days - 1)
        for channels, locations in ((None, None), ((1,), None), (None, (1, 2)), ((2,), (0,))):
            f = ReportFilter(start, end, channels, locations)
            for by in TopProductsBy:
                for seed in (0, 3, 1000):
                    monkeypatch.setattr(report_rankings, "SEED", seed)
                    for first in (1, 4, 12):
                        ranked, every, by_threshold = await answers(rolled_up, f, by, first)
                        assert ranked == every, (offset, days, channels, locations, by, seed, first)
                        bounded.add(by_threshold)
                        assert not (by_threshold and locations)  # a store's days are summed
                        full += len(ranked) == first
    assert bounded == {True, False}  # proven by the threshold, and not
    assert full > 300


def test_the_days_are_covered_by_spans_then_months() -> None:
    def cover(start: date, end: date) -> list[tuple[str, date]]:
        return [(table.__tablename__, month) for table, month in report_rankings.blocks(start, end)]

    assert cover(date(2026, 3, 9), date(2026, 6, 6)) == [("report_product_spans", date(2026, 3, 1))]
    assert cover(date(2026, 3, 9), date(2026, 4, 6)) == [
        ("report_product_monthly", date(2026, 3, 1)),
        ("report_product_monthly", date(2026, 4, 1)),
    ]
    assert cover(date(2025, 11, 30), date(2026, 4, 1)) == [
        ("report_product_spans", date(2025, 11, 1)),
        ("report_product_monthly", date(2026, 3, 1)),
        ("report_product_monthly", date(2026, 4, 1)),
    ]
    assert cover(date(2026, 1, 1), date(2026, 7, 1)) == [
        ("report_product_spans", date(2026, 1, 1)),
        ("report_product_spans", date(2026, 5, 1)),
    ]
