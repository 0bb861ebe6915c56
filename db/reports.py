"""Reading the report rollups (db/models/reports.py): `SqlReports` implements
domain.reports.services.ReportsReader with one grouped statement per report, whatever the number of
orders behind it: sales reports read the rollup per day, channel and store (or category), a few rows
a day; product rankings the one per variant, bounded by the one per month (db/report_rankings.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import report_rankings
from db.models import Channel, Member, ReportCategoryOrdersDaily, ReportMemberOrdersDaily, ReportOrdersDaily
from db.models import ReportSalesDaily as Sales
from db.report_ledgers import LedgerFigures
from domain.reports.model import (
    ZERO,
    MemberFigures,
    ProductSales,
    ReportDimension,
    ReportFilter,
    RowKey,
    SalesFigures,
    TopProductsBy,
)


def _scope(table: Any, f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """The filter's channels and stores, when it names them."""
    conditions = []
    if f.channel_ids is not None:
        conditions.append(table.channel_id.in_(f.channel_ids))
    if f.location_ids is not None:
        conditions.append(table.location_id.in_(f.location_ids))
    return conditions


def _where(table: Any, f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    return [table.business_date >= f.start, table.business_date <= f.end, *_scope(table, f)]


def _columns(table: Any, dims: Sequence[ReportDimension]) -> list[Any]:
    """The grouping columns of `dims` (a period groups by day; domain.reports.model.regroup folds it)."""
    columns = []
    if any(d in (ReportDimension.DAY, ReportDimension.WEEK, ReportDimension.MONTH) for d in dims):
        columns.append(table.business_date.label("day"))
    for dim, name in ((ReportDimension.CHANNEL, "channel_id"), (ReportDimension.LOCATION, "location_id")):
        if dim in dims:
            columns.append(getattr(table, name).label(name))
    if ReportDimension.CATEGORY in dims:
        columns.append(table.category_id.label("category_id"))
    return columns


def _key(row: Any, columns: list[Any]) -> RowKey:
    values = {c.name: getattr(row, c.name) for c in columns}
    day = values.get("day")
    return RowKey(
        day=date.fromisoformat(day) if isinstance(day, str) else day,
        channel_id=values.get("channel_id"),
        location_id=values.get("location_id"),
        category_id=values.get("category_id"),
    )


class SqlReports(LedgerFigures):
    def __init__(self, session: AsyncSession, zone: ZoneInfo) -> None:
        self.session = session
        self.zone = zone

    async def channel_currencies(self, slugs: tuple[str, ...] | None) -> dict[str, tuple[int, str]]:
        stmt = sa.select(Channel.slug, Channel.id, Channel.currency)
        if slugs is not None:
            stmt = stmt.where(Channel.slug.in_(slugs))
        return {slug: (i, currency) for slug, i, currency in await self.session.execute(stmt)}

    async def sales_rows(self, f: ReportFilter, dims: tuple[ReportDimension, ...]) -> list[tuple[RowKey, SalesFigures]]:
        """One grouped statement, over the per-store rollup (or the per-category one, by category)."""
        table = ReportCategoryOrdersDaily if ReportDimension.CATEGORY in dims else ReportOrdersDaily
        columns = _columns(table, dims)
        rows = await self.session.execute(
            sa.select(
                *columns,
                sa.func.sum(table.orders).label("orders"),
                sa.func.sum(table.units_sold - table.units_returned).label("units"),
                sa.func.sum(table.gross).label("gross"),
                sa.func.sum(table.discounts).label("discounts"),
                sa.func.sum(table.returns).label("returns"),
            )
            .where(*_where(table, f))
            .group_by(*columns)
        )
        return [
            (
                _key(r, columns),
                SalesFigures(int(r.orders), int(r.units), r.gross or ZERO, r.discounts or ZERO, r.returns or ZERO),
            )
            for r in rows
            if r.orders is not None
        ]

    async def top_products(self, f: ReportFilter, by: TopProductsBy, first: int) -> list[ProductSales]:
        return await report_rankings.top_products(self.session, f, _where(Sales, f), by, first)

    async def member_figures(self, f: ReportFilter) -> MemberFigures:
        t = ReportMemberOrdersDaily
        start, end = self._moment(f.start), self._moment(f.end + timedelta(days=1))
        joined = [Member.created_at >= start, Member.created_at < end]
        if f.channel_ids is not None:
            joined.append(Member.joined_channel_id.in_(f.channel_ids))
        if f.location_ids is not None:
            joined.append(Member.joined_location_id.in_(f.location_ids))
        new = await self.session.scalar(sa.select(sa.func.count()).where(*joined))
        earlier = sa.select(t.member_id).where(
            t.business_date < f.start,
            *_scope(t, f),
        )
        active = (
            sa.select(
                t.member_id,
                sa.func.sum(t.orders).label("orders"),
                t.member_id.in_(earlier).label("came_back"),
            )
            .where(*_where(t, f))
            .group_by(t.member_id)
            .subquery()
        )
        row = (
            await self.session.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(active.c.came_back),
                    sa.func.count().filter(active.c.orders > 1),
                ).select_from(active)
            )
        ).one()
        return MemberFigures(int(new or 0), int(row[0]), int(row[1]), int(row[2]))
