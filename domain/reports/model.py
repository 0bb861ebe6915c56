"""Data centre figures: what a sales report counts, on which business day, grouped how.

The figures are about merchandise (shipping and points used as payment are neither sales nor
discounts), in the order's currency, one currency per report:

- `gross`: the list value of the units sold (unit price x quantity), on the day the order was paid;
- `discounts`: what promotions and coupons took off those lines (gross - the line's total);
- `returns`: the paid value of units that came back, on the day they came back; a paid order that
  is cancelled gives all its units back on the day it is cancelled;
- `net = gross - discounts - returns`;
- `orders`: orders paid that day (an order in several categories counts once in each of them, once
  in the totals); `units`: units sold less units returned;
- `averageOrderValue`: what the orders paid were worth after discounts, per order ((gross -
  discounts) / orders); none without orders.

Days are business days: the calendar date, in `BUSINESS_TIMEZONE`, of the moment a thing happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from domain.errors import Code, DomainError
from domain.money import round_to_minor

MAX_DAYS = 3 * 366  # the longest period one report covers
ZERO = Decimal(0)


class ReportDimension(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # ISO weeks, starting on Monday
    MONTH = "MONTH"
    CHANNEL = "CHANNEL"
    LOCATION = "LOCATION"
    CATEGORY = "CATEGORY"


PERIODS = (ReportDimension.DAY, ReportDimension.WEEK, ReportDimension.MONTH)


class TopProductsBy(StrEnum):
    NET = "NET"
    UNITS = "UNITS"


def business_date(moment: datetime, zone: ZoneInfo) -> date:
    """The business day a moment belongs to (the date on the shop's wall calendar)."""
    return moment.astimezone(zone).date()


def period_start(day: date, period: ReportDimension) -> date:
    """The first day of the DAY, WEEK (Monday) or MONTH that `day` falls in."""
    if period is ReportDimension.WEEK:
        return day - timedelta(days=day.weekday())
    if period is ReportDimension.MONTH:
        return day.replace(day=1)
    return day


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """The days (both included) and, optionally, the channels (ids) and locations a report covers."""

    start: date
    end: date
    channel_ids: tuple[int, ...] | None = None
    location_ids: tuple[int, ...] | None = None


def checked_filter(f: ReportFilter) -> ReportFilter:
    if f.start > f.end:
        raise DomainError(Code.INVALID, "`from` is after `to`.", ["filter", "from"])
    if (f.end - f.start).days >= MAX_DAYS:
        raise DomainError(Code.INVALID, f"A report covers at most {MAX_DAYS} days.", ["filter", "to"])
    return f


def grouping(group_by: list[ReportDimension] | None) -> tuple[ReportDimension, ...]:
    """The dimensions of a report's rows, each once, in the order given; one period at most."""
    dims = tuple(dict.fromkeys(group_by or ()))
    if sum(d in PERIODS for d in dims) > 1:
        raise DomainError(Code.INVALID, "Group by one of DAY, WEEK and MONTH, not several.", ["groupBy"])
    return dims


def one_currency(currencies: set[str]) -> str | None:
    """A report adds amounts of one currency: the channels it covers must share it (None: no channel)."""
    if len(currencies) > 1:
        raise DomainError(
            Code.CURRENCY_INVALID,
            f"The channels are in {', '.join(sorted(currencies))}: report on channels of one currency.",
            ["filter", "channels"],
        )
    return next(iter(currencies), None)


@dataclass(slots=True)
class SalesFigures:
    """Not frozen, like `SalesRow`: a report makes one per row (thousands), and a frozen dataclass's
    `__init__` (a call per field) costs three times a plain one's; nothing changes them once made."""

    orders: int = 0
    units: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.returns

    def average_order_value(self, currency: str) -> Decimal | None:
        if not self.orders:
            return None
        return round_to_minor((self.gross - self.discounts) / self.orders, currency)

    def __add__(self, other: SalesFigures) -> SalesFigures:
        return SalesFigures(
            self.orders + other.orders,
            self.units + other.units,
            self.gross + other.gross,
            self.discounts + other.discounts,
            self.returns + other.returns,
        )


class RowKey(NamedTuple):
    """Where a row of a report stands on each dimension it is grouped by (None: not grouped by it,
    or, for location and category, none: a delivery sold by no store, a product in no category).
    A tuple: thousands of them are made, hashed and sorted per report."""

    day: date | None = None
    channel_id: int | None = None
    location_id: int | None = None
    category_id: int | None = None


class SalesRow(NamedTuple):
    """A tuple, like `RowKey`: a reader makes thousands per report (`tuple.__new__`, no Python call)."""

    key: RowKey
    figures: SalesFigures


@dataclass(frozen=True, slots=True)
class SalesReport:
    currency: str
    totals: SalesFigures
    rows: tuple[SalesRow, ...]


@dataclass(frozen=True, slots=True)
class ProductSales:
    product_id: int
    units: int
    net: Decimal


def regroup(rows: list[SalesRow], dims: tuple[ReportDimension, ...]) -> tuple[SalesRow, ...]:
    """A reader's rows (one per key, by day for a period, in key order) folded into the report's WEEK or
    MONTH, summed and sorted by key; by DAY or no period they are the report's rows as they are (by day
    and store, thousands of them)."""
    period = next((d for d in dims if d in PERIODS and d is not ReportDimension.DAY), None)
    if period is None:
        return tuple(rows)
    merged: dict[RowKey, SalesFigures] = {}
    for key, figures in rows:
        if key.day is not None:
            key = RowKey(period_start(key.day, period), key.channel_id, key.location_id, key.category_id)
        merged[key] = merged[key] + figures if key in merged else figures
    return tuple([SalesRow(k, merged[k]) for k in sorted(merged, key=_sort_key)])


_orders, _units, _gross, _discounts, _returns = map(attrgetter, ("orders", "units", "gross", "discounts", "returns"))


def total(figures: Iterable[SalesFigures]) -> SalesFigures:
    """The figures summed (without an intermediate sum per row, nor a Python call per row)."""
    fs = list(figures)
    return SalesFigures(
        sum(map(_orders, fs)),
        sum(map(_units, fs)),
        sum(map(_gross, fs), ZERO),
        sum(map(_discounts, fs), ZERO),
        sum(map(_returns, fs), ZERO),
    )


def _sort_key(key: RowKey) -> tuple[object, ...]:
    return (key.day or date.min, key.channel_id or 0, key.location_id or 0, key.category_id or 0)


@dataclass(frozen=True, slots=True)
class MemberFigures:
    new_members: int
    active_members: int
    returning_members: int
    repeat_members: int

    @property
    def repeat_rate(self) -> float:
        """The share of active members who paid for more than one order in the period."""
        return self.repeat_members / self.active_members if self.active_members else 0.0


@dataclass(frozen=True, slots=True)
class PointsLiability:
    """What members' points could still cost: their balance, worth `value` at the redemption rate,
    of which `expiring` will have expired within the horizon unless spent first (oldest first)."""

    outstanding: int
    value: Decimal
    expiring: int


@dataclass(frozen=True, slots=True)
class CouponFigures:
    """A campaign's coupons issued in a period, and what became of them: redeemed online (at checkout)
    or in store (at a till), and the discount their orders' lines took."""

    template_id: int
    issued: int
    redeemed_online: int
    redeemed_in_store: int
    discount: Decimal

    @property
    def redemption_rate(self) -> float:
        return (self.redeemed_online + self.redeemed_in_store) / self.issued if self.issued else 0.0
