"""The data centre's use cases: check who asks and what, then read the rollups through `ReportsReader`.

Each report covers one currency: the channels it names (or, naming none, every channel) must share
it, else CURRENCY_INVALID. A store's staff are limited to their store (domain/reports/access.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from domain.access.model import Principal
from domain.errors import Code, DomainError
from domain.money import round_to_minor
from domain.orders.cart_rules import DEFAULT_POINTS
from domain.reports.access import check_head_office, report_locations
from domain.reports.model import (
    CouponFigures,
    MemberFigures,
    PointsLiability,
    ProductSales,
    ReportDimension,
    ReportFilter,
    SalesReport,
    SalesRow,
    TopProductsBy,
    checked_filter,
    grouping,
    one_currency,
    regroup,
    total,
)

MAX_TOP = 100
EXPIRY_HORIZON = timedelta(days=30)


class ReportsReader(Protocol):
    async def channel_currencies(self, slugs: tuple[str, ...] | None) -> dict[str, tuple[int, str]]:
        """slug -> (id, currency) of the named channels that exist (every channel when None)."""
        ...

    async def sales_rows(self, f: ReportFilter, dims: tuple[ReportDimension, ...]) -> list[SalesRow]:
        """Figures summed by the dimensions (by day for a period), one row per key (where it stands), in
        key order: day, channel, store, category (`regroup` takes them as they are when nothing folds)."""
        ...

    async def top_products(self, f: ReportFilter, by: TopProductsBy, first: int) -> list[ProductSales]: ...

    async def member_figures(self, f: ReportFilter) -> MemberFigures: ...

    async def channel_currency(self, slug: str | None) -> str | None:
        """The currency of the channel (None: the default channel), None when there is no such channel."""
        ...

    async def points_figures(self, horizon: datetime) -> tuple[int, int]:
        """(every member's balance summed, the points that will have expired by `horizon` if not spent)."""
        ...

    async def coupon_figures(self, f: ReportFilter) -> list[CouponFigures]: ...


async def _scoped(
    reader: ReportsReader, principal: Principal, f: ReportFilter, channels: tuple[str, ...] | None
) -> tuple[ReportFilter, str]:
    """The filter limited to what the caller may read, with channel ids, and the report's currency."""
    locations = report_locations(principal, f.location_ids)
    f = checked_filter(f)
    known = await reader.channel_currencies(channels)
    missing = [slug for slug in channels or () if slug not in known]
    if missing:
        raise DomainError(Code.NOT_FOUND, f"No channel {missing[0]!r}.", ["filter", "channels"])
    currency = one_currency({c for _, c in known.values()})
    if currency is None:
        raise DomainError(Code.NOT_FOUND, "There is no channel to report on.", ["filter", "channels"])
    ids = tuple(i for i, _ in known.values()) if channels is not None else None
    return replace(f, channel_ids=ids, location_ids=locations), currency


async def sales_report(
    reader: ReportsReader,
    principal: Principal,
    f: ReportFilter,
    channels: tuple[str, ...] | None,
    group_by: list[ReportDimension] | None,
) -> SalesReport:
    dims = grouping(group_by)
    f, currency = await _scoped(reader, principal, f, channels)
    rows = regroup(await reader.sales_rows(f, dims), dims) if dims else ()
    if dims and ReportDimension.CATEGORY not in dims:
        totals = total([r.figures for r in rows])  # each order is in exactly one row
    else:
        totals = total(row.figures for row in await reader.sales_rows(f, ()))
    return SalesReport(currency, totals, rows)


async def top_products(
    reader: ReportsReader,
    principal: Principal,
    f: ReportFilter,
    channels: tuple[str, ...] | None,
    by: TopProductsBy,
    first: int,
) -> tuple[str, list[ProductSales]]:
    if not 1 <= first <= MAX_TOP:
        raise DomainError(Code.INVALID, f"`first` is 1 to {MAX_TOP}.", ["first"])
    f, currency = await _scoped(reader, principal, f, channels)
    return currency, await reader.top_products(f, by, first)


async def member_report(
    reader: ReportsReader, principal: Principal, f: ReportFilter, channels: tuple[str, ...] | None
) -> MemberFigures:
    f, _ = await _scoped(reader, principal, f, channels)
    return await reader.member_figures(f)


async def points_liability(
    reader: ReportsReader, principal: Principal, channel: str | None, now: datetime
) -> tuple[str, PointsLiability]:
    """Valued in the channel's currency (default: the default channel's) at the redemption rate."""
    check_head_office(principal)
    currency = await reader.channel_currency(channel)
    if currency is None:
        raise DomainError(Code.NOT_FOUND, "No such channel.", ["channel"])
    outstanding, expiring = await reader.points_figures(now + EXPIRY_HORIZON)
    value = round_to_minor(DEFAULT_POINTS.value * outstanding, currency)
    return currency, PointsLiability(outstanding, value, expiring)


async def coupon_report(
    reader: ReportsReader, principal: Principal, f: ReportFilter, channels: tuple[str, ...] | None
) -> tuple[str, list[CouponFigures]]:
    """Head office: per campaign, the coupons issued in the period and their redemptions (narrowed to
    orders in the filter's channels and tills at its stores, when it names them)."""
    check_head_office(principal)
    f, currency = await _scoped(reader, principal, f, channels)
    return currency, await reader.coupon_figures(f)
