"""Product rankings (`topProducts`) without summing every product's days: at a million orders, 90 days
hold half a million rows of `report_sales_daily` for a hundred thousand products, and summing them
all to keep ten took seconds.

A bound does it. `report_product_spans` (four months) and `report_product_monthly` hold, per product,
the units sold and what was paid for them, never negative, so what a product sold in the months a
block covers bounds its net sales (or units) on any of their days, whatever channels and stores the
filter names. The days are covered by `j` blocks (a span per four months, the last one or two months
by month). One statement: the `SEED` best products of each block by that measure are the seed; the
`first`-th best exact figure among them (from the daily rows, an index by product) is the threshold
`T`, reached by `first` products; the candidates are the products with a block's measure of at least
`T / j`, and the ranking is theirs, summed exactly. A product that is no candidate has less than
`T / j` in each block, so less than `T` on the days: `first` products rank above it, and the ranking
is exact. When the seed has fewer than `first` products with figures on the days, or `T` is not
positive (every product would be a candidate), the ranking sums every product's days, in a second
statement. One block's measure against `T` (a 90-day ranking) leaves a few hundred candidates even
when demand is flat; the months' bounds summed, as the ranking did before, left thousands.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReportProductMonthly as Monthly
from db.models import ReportProductSpan as Span
from db.models import ReportSalesDaily as Sales
from db.types import Amount
from domain.reports.model import ProductSales, ReportFilter, TopProductsBy
from domain.reports.rollup import SPAN_MONTHS, shift_month

SEED = {TopProductsBy.NET: 100, TopProductsBy.UNITS: 100}  # best products per block (measured at 1M orders)


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


def _share(t: Any, j: int, by: TopProductsBy) -> Any:
    """A block's measure below this is below `t / j` (compared as it is, the index reads the block's
    best down to it): whole units divided down, net sales less a thousandth for the division's rounding."""
    if by is TopProductsBy.UNITS:
        return t // sa.literal(j, sa.Integer())
    return t / sa.literal(j, sa.Integer()) - sa.literal(Decimal("0.001"), Amount())


def _bounded(where: list[Any], by: TopProductsBy, first: int, cover: list[tuple[Any, date]]) -> sa.Select[Any]:
    """The ranking of the candidates: none without a positive threshold (when `first` products reach
    `T`, they are candidates, so there are rows)."""
    seed_size = SEED[by] + first

    def best(table: Any, month: date) -> sa.Select[Any]:
        measure = table.sales if by is TopProductsBy.NET else table.units_sold
        return sa.select(table.product_id).where(table.month == month).order_by(measure.desc()).limit(seed_size)

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
    threshold = (
        sa.select(sa.case((sa.func.count() == first, sa.func.min(seeded.c.value))).label("t"))
        .select_from(seeded)
        .cte("threshold")
    )
    t = sa.select(threshold.c.t).scalar_subquery()
    share = _share(t, len(cover), by)
    candidates = (
        sa.union(
            *(
                sa.select(table.product_id).where(
                    table.month == month, (table.sales if by is TopProductsBy.NET else table.units_sold) >= share, t > 0
                )
                for table, month in cover
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
    rows = (await session.execute(_bounded(where, by, first, blocks(f.start, f.end)))).all()
    if not rows:  # no threshold: the seed has too few products with figures, or the `first`-th has none
        rows = (await session.execute(every_product(where, by, first))).all()
    return [ProductSales(r.product_id, int(r.units), r.net) for r in rows]
