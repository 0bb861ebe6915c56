"""Reading the report rollups (db/models/reports.py): `SqlReports` implements
domain.reports.services.ReportsReader with one grouped statement per report, whatever the number of
orders behind it: sales reports read the rollup per day, channel and store (or category), a few rows
a day; product rankings the one per variant, bounded by the one per month (db/report_rankings.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from itertools import repeat
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import report_rankings
from db.models import Channel, Member, ReportCategoryOrdersDaily, ReportMemberOrdersDaily, ReportOrdersDaily
from db.models import ReportSalesDaily as Sales
from db.report_ledgers import LedgerFigures
from db.sql import dialect_name
from domain.reports.model import (
    PERIODS,
    MemberFigures,
    ProductSales,
    ReportDimension,
    ReportFilter,
    RowKey,
    SalesFigures,
    SalesRow,
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


def _key_columns(table: Any, dims: Sequence[ReportDimension]) -> list[Any]:
    """A row's key in `RowKey`'s order: the day (a period groups by day; domain.reports.model.regroup
    folds it), channel, store and category columns grouped by, NULL for the others."""
    return [
        table.business_date if any(d in PERIODS for d in dims) else sa.null(),
        table.channel_id if ReportDimension.CHANNEL in dims else sa.null(),
        table.location_id if ReportDimension.LOCATION in dims else sa.null(),
        table.category_id if ReportDimension.CATEGORY in dims else sa.null(),
    ]


class SqlReports(LedgerFigures):
    def __init__(self, session: AsyncSession, zone: ZoneInfo) -> None:
        self.session = session
        self.zone = zone

    async def channel_currencies(self, slugs: tuple[str, ...] | None) -> dict[str, tuple[int, str]]:
        stmt = sa.select(Channel.slug, Channel.id, Channel.currency)
        if slugs is not None:
            stmt = stmt.where(Channel.slug.in_(slugs))
        return {slug: (i, currency) for slug, i, currency in await self.session.execute(stmt)}

    async def sales_rows(self, f: ReportFilter, dims: tuple[ReportDimension, ...]) -> list[SalesRow]:
        """One grouped statement, over the per-store rollup (or the per-category one, by category), in
        key order, read without the ORM's execution layer: by day and store, thousands of rows. On
        PostgreSQL the sums come as text, made `Decimal` here: asyncpg's NUMERIC decoding costs three
        times `Decimal(str)` (the same digits and scale: "129.900")."""
        table = ReportCategoryOrdersDaily if ReportDimension.CATEGORY in dims else ReportOrdersDaily
        key = _key_columns(table, dims)
        grouped = [c for c in key if not isinstance(c, sa.Null)]
        amounts: list[Any] = [sa.func.sum(table.gross), sa.func.sum(table.discounts), sa.func.sum(table.returns)]
        if dialect_name(self.session) == "postgresql":
            amounts = [sa.cast(a, sa.Text) for a in amounts]
        statement = (
            sa.select(*key, sa.func.sum(table.orders), sa.func.sum(table.units_sold - table.units_returned), *amounts)
            .where(*_where(table, f))
            .group_by(*grouped)
            .order_by(*grouped)
        )
        rows: Sequence[Any] = (await (await self.session.connection()).execute(statement)).all()
        if not rows or rows[0][4] is None:  # no rows (grouped), or one of NULLs (no GROUP BY, nothing summed)
            return []
        # by column, each made by map from C: no call from Python per row but `SalesFigures`'s
        day, channel, location, category, orders, units, gross, discounts, returns = zip(*rows, strict=True)
        figures = map(SalesFigures, orders, units, map(Decimal, gross), map(Decimal, discounts), map(Decimal, returns))
        keys = map(tuple.__new__, repeat(RowKey), zip(day, channel, location, category, strict=True))
        return list(map(tuple.__new__, repeat(SalesRow), zip(keys, figures, strict=True)))

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
