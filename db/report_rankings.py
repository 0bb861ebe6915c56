"""Product rankings (`topProducts`) without summing every product's days: at a million orders, 90 days
hold half a million rows of `report_sales_daily` for a hundred thousand products, and summing them
all to keep ten took seconds.

A bound does it. `report_product_spans` (four months) and `report_product_monthly` hold, per product,
the units sold and what was paid for them, never negative, so what a product sold in the months a
block covers bounds its net sales (or units) on any of their days, whatever channels the filter
names. The days are covered by blocks: a span per four months (any 90 days are within one), the
last one or two months by month. A first statement reads the seed, each block's `SEED` best
products by that measure, and the `first`-th best exact figure among them (from the daily rows, an
index by product): the threshold `T`, which `first` products reach. The candidates are the products
whose measure in some block reaches that block's share of `T` (`shares`: in proportion to the
blocks' best, so that a product below every share has less than `T`), and the second statement
ranks them exactly; no other product can be among the first. With one block (any 90 days) a flat
demand leaves a few dozen candidates; the months' bounds summed, as the ranking did before, left
thousands. `T` is bound as a value, so that the planner sees how few candidates it selects.

Without a positive `T` (too few of the seed have figures on the days, or the `first`-th has none),
or with stores named (a store's days are few rows of the daily key, and bounds of every store
prove little for one), the ranking sums every product's days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReportProductMonthly as Monthly
from db.models import ReportProductSpan as Span
from db.models import ReportSalesDaily as Sales
from db.types import Amount
from domain.reports.model import ProductSales, ReportFilter, TopProductsBy
from domain.reports.rollup import SPAN_MONTHS, shift_month

SEED = 100  # best products per block, by either measure (measured at 1M orders)


def months(start: date, end: date) -> list[date]:
    """The first days of the months from `start`'s to `end`'s."""
    first, found = start.replace(day=1), []
    while first <= end:
        found.append(first)
        first = shift_month(first, 1)
    return found


def blocks(start: date, end: date) -> list[tuple[Any, date]]:
    """Rows of bounds covering the days (table, first month): spans while three months or more are
    left (a span's single bound is tighter than three months' summed), then months."""
    touched, cover = months(start, end), list[tuple[Any, date]]()
    while touched:
        if len(touched) >= SPAN_MONTHS - 1:
            cover.append((Span, touched[0]))
            touched = touched[SPAN_MONTHS:]
        else:
            cover.append((Monthly, touched[0]))
            touched = touched[1:]
    return cover


def _figures() -> tuple[Any, Any]:
    units = sa.func.sum(Sales.units_sold - Sales.units_returned).label("units")
    net = sa.func.sum(Sales.gross - Sales.discounts - Sales.returns, type_=Amount()).label("net")
    return units, net


def _ranked(by: TopProductsBy, first: int, statement: sa.Select[Any]) -> sa.Select[Any]:
    units, net = _figures()
    return (
        statement.add_columns(units, net)
        .group_by(Sales.product_id)
        .order_by((net if by is TopProductsBy.NET else units).desc(), Sales.product_id)
        .limit(first)
    )


def every_product(where: list[Any], by: TopProductsBy, first: int) -> sa.Select[Any]:
    """The ranking from every product's days (products deleted from the catalogue left out)."""
    return _ranked(by, first, sa.select(Sales.product_id).where(*where, Sales.product_id != 0))


def _measure(table: Any, by: TopProductsBy) -> Any:
    return table.sales if by is TopProductsBy.NET else table.units_sold


def _threshold(where: list[Any], by: TopProductsBy, first: int, cover: list[tuple[Any, date]]) -> sa.Select[Any]:
    """`T`: the `first`-th best figure over the days among the seed (each block's best by its measure),
    NULL when fewer than `first` of them have figures there; then each block's best measure."""

    def best(table: Any, month: date) -> sa.Select[Any]:
        return (
            sa.select(table.product_id)
            .where(table.month == month)
            .order_by(_measure(table, by).desc())
            .limit(SEED + first)
        )

    seed = sa.union(*(sa.select(best(t, m).subquery().c.product_id) for t, m in cover)).subquery()
    units, net = _figures()
    value = (net if by is TopProductsBy.NET else units).label("value")
    seeded = (
        sa.select(value)
        .join(seed, seed.c.product_id == Sales.product_id)
        .where(*where)
        .group_by(Sales.product_id)
        .order_by(value.desc())
        .limit(first)
        .subquery()
    )
    tops = [
        sa.select(sa.func.max(_measure(table, by))).where(table.month == month).scalar_subquery()
        for table, month in cover
    ]
    return sa.select(
        sa.case((sa.func.count() == first, sa.func.min(seeded.c.value)), else_=sa.null()), *tops
    ).select_from(seeded)


def shares(t: Any, tops: Sequence[Any], by: TopProductsBy) -> list[Any]:
    """The least measure that makes a product a candidate in each block: `T` shared in proportion to the
    blocks' best measures, each share rounded up to the grain of the measure (a unit, a thousandth),
    so that a product below its share in every block, a grain below at most, has less than `T` in all
    (the shares sum to less than `T` and a grain per block). A block whose best is 0 holds no candidate."""
    grain = Fraction(1) if by is TopProductsBy.UNITS else Fraction(1, 1000)
    weights = [Fraction(top or 0) for top in tops]
    found = []
    for weight in weights:
        least = math.ceil(Fraction(t) * weight / sum(weights) / grain) * grain if weight else weight + grain
        found.append(int(least) if by is TopProductsBy.UNITS else Decimal(least.numerator) / least.denominator)
    return found


def _candidates(
    where: list[Any], by: TopProductsBy, first: int, cover: list[tuple[Any, date]], least: list[Any]
) -> Any:
    """The ranking of the products with a block's measure of at least its share of `T`."""
    candidates = (
        sa.union(
            *(
                sa.select(table.product_id).where(table.month == month, _measure(table, by) >= share)
                for (table, month), share in zip(cover, least, strict=True)
            )
        )
        .order_by("product_id")  # so that their days come out grouped (no sort of their rows)
        .subquery()
    )
    return _ranked(
        by, first, sa.select(Sales.product_id).join(candidates, candidates.c.product_id == Sales.product_id)
    ).where(*where)


async def top_products(
    session: AsyncSession, f: ReportFilter, where: list[Any], by: TopProductsBy, first: int
) -> list[ProductSales]:
    """The `first` products by `by` over the filter's days (`where`: its conditions on the daily rows)."""
    if f.location_ids is not None:  # a store's days are few, and the bounds (of every store) loose for it
        return _products(await session.execute(every_product(where, by, first)))
    cover = blocks(f.start, f.end)
    t, *tops = (await session.execute(_threshold(where, by, first, cover))).one()
    # without a positive `T` (too few products of the seed have figures, or the `first`-th has none),
    # every product's days
    bounded = t is not None and t > 0
    statement = (
        _candidates(where, by, first, cover, shares(t, tops, by)) if bounded else every_product(where, by, first)
    )
    return _products(await session.execute(statement))


def _products(rows: Any) -> list[ProductSales]:
    return [ProductSales(r.product_id, int(r.units), r.net) for r in rows]
