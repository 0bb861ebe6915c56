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
from decimal import ROUND_FLOOR, Decimal
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


def _measure(table: Any, by: TopProductsBy) -> Any:
    return table.sales if by is TopProductsBy.NET else table.units_sold


def _threshold(where: list[Any], by: TopProductsBy, first: int, cover: list[tuple[Any, date]]) -> sa.Select[Any]:
    """`T`: the `first`-th best figure over the days among the seed (each block's best by its measure),
    NULL when fewer than `first` of them have figures there."""

    def best(table: Any, month: date) -> sa.Select[Any]:
        return (
            sa.select(table.product_id)
            .where(table.month == month)
            .order_by(_measure(table, by).desc())
            .limit(SEED[by] + first)
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
    return sa.select(sa.case((sa.func.count() == first, sa.func.min(seeded.c.value)), else_=sa.null())).select_from(
        seeded
    )


def share(t: Any, j: int, by: TopProductsBy) -> Any:
    """The least measure in a block that makes a candidate: a product below it in each of `j` blocks
    has less than `T` (whole units rounded up, net sales down to the thousandth they are kept to)."""
    if by is TopProductsBy.UNITS:
        return -(-int(t) // j)
    return (Decimal(t) / j).quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


def _candidates(where: list[Any], by: TopProductsBy, first: int, cover: list[tuple[Any, date]], t: Any) -> Any:
    """The ranking of the products with a block's measure of at least `share` of `T`."""
    least = share(t, len(cover), by)
    candidates = (
        sa.union(
            *(
                sa.select(table.product_id).where(table.month == month, _measure(table, by) >= least)
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
    cover = blocks(f.start, f.end)
    t = await session.scalar(_threshold(where, by, first, cover))
    # without a positive `T` (too few products of the seed have figures, or the `first`-th has none),
    # every product's days
    bounded = t is not None and t > 0
    statement = _candidates(where, by, first, cover, t) if bounded else every_product(where, by, first)
    return [ProductSales(r.product_id, int(r.units), r.net) for r in await session.execute(statement)]
