"""Product rankings (`topProducts`) without summing every product's days: at a million orders, 90 days
hold half a million rows of `report_sales_daily` for a hundred thousand products, and summing them
all to keep ten took seconds.

A bound does it (the threshold algorithm): `report_product_monthly` holds, per business month and
product, the units sold and what was paid for them, never negative, so what a product sold in the
months the days touch bounds its net sales (or units) on those days, whatever channels and stores the
filter names. The statement takes each month's `depth` best products by that measure as candidates,
sums the candidates' exact figures from the daily rows (an index by product), and adds up each
month's `depth`-th value: a product outside every month's best has at most that sum. When the last
of the ranking is above it, no other product can enter the ranking and it is exact; when every
month has fewer than `depth` products, every product is a candidate. Otherwise (a ranking flatter
than the bound can prove) the ranking sums every product's days, as before, in a second statement.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReportProductMonthly as Monthly
from db.models import ReportSalesDaily as Sales
from db.types import Amount
from domain.reports.model import ProductSales, ReportFilter, TopProductsBy

DEPTH = {TopProductsBy.NET: 1000, TopProductsBy.UNITS: 2000}  # candidates per month (measured at 1M orders)


def months(start: date, end: date) -> list[date]:
    """The first days of the months from `start`'s to `end`'s."""
    first, found = start.replace(day=1), []
    while first <= end:
        found.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return found


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


async def top_products(
    session: AsyncSession, f: ReportFilter, where: list[Any], by: TopProductsBy, first: int
) -> list[ProductSales]:
    """The `first` products by `by` over the filter's days (`where`: its conditions on the daily rows)."""
    depth = DEPTH[by]
    measure = Monthly.sales if by is TopProductsBy.NET else Monthly.units_sold
    best, last = [], []
    for i, month in enumerate(months(f.start, f.end)):
        in_month = sa.select(Monthly.product_id).where(Monthly.month == month).order_by(measure.desc())
        best.append(sa.select(in_month.limit(depth).subquery().c.product_id))
        last.append(in_month.with_only_columns(measure).offset(depth - 1).limit(1).scalar_subquery().label(f"last{i}"))
    # the candidates in order of id, so that their days come out grouped (no sort of their rows)
    candidates = sa.union(*best).order_by("product_id").subquery()
    statement = _ranked(
        by, first, sa.select(Sales.product_id, *last).join(candidates, candidates.c.product_id == Sales.product_id)
    ).where(*where)
    rows = (await session.execute(statement)).all()
    bounds = [rows[0][i] for i in range(1, len(last) + 1)] if rows else []
    if bounds and all(b is None for b in bounds):  # every month's products were candidates
        proven = True
    else:  # no product outside every month's best sold more than the sum of each month's last
        threshold = sum(b for b in bounds if b is not None)
        proven = len(rows) == first and (rows[-1].net if by is TopProductsBy.NET else rows[-1].units) > threshold
    if not proven:  # every product's days
        rows = (
            await session.execute(_ranked(by, first, sa.select(Sales.product_id).where(*where, Sales.product_id != 0)))
        ).all()
    return [ProductSales(r.product_id, int(r.units), r.net) for r in rows]
