"""What each order event adds to the report rollups (pure: the feeder in db/report_feed.py reads
the events and orders, calls `Rollup.count`, and writes the increments).

Three happenings count:

- a SALE (the order's PAID event): its lines on the day of payment (per variant, per store and per
  category), the order once per (day, channel, store), once per category it has lines in, and
  once for its member;
- a RETURN (a RETURNED event, `data.lines`: units per line): the units that came back and their
  paid value, on the day of the return;
- a paid order CANCELLED: everything it sold comes back on the day of cancellation (orders are
  cancelled before any return, so nothing of it came back before).

The paid value of returned units is kept exact line by line: after `n` of a line's `q` units came
back, `round(total x n / q)` of it has been returned, so a line returned in parts returns exactly
its total in the end, and each return adds the difference.

Keys use 0 for "none" (a delivery attributed to no store, a product in no category, a product
since deleted from the catalogue), so that each key is one row that increments add to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from domain.money import round_to_minor
from domain.reports.model import ZERO, business_date

SPAN_MONTHS = 4  # months a product span sums: any 90 days lie within the span of their first month


def shift_month(first: date, months: int) -> date:
    """The first day of the month `months` after the one `first` begins."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class Happening(Enum):
    SALE = "SALE"
    RETURN = "RETURN"
    CANCEL = "CANCEL"


@dataclass(frozen=True, slots=True)
class SoldLine:
    line_id: int
    variant_id: int  # 0: deleted from the catalogue
    product_id: int
    category_id: int
    quantity: int
    unit_price: Decimal
    total: Decimal  # after the line's discounts


@dataclass(frozen=True, slots=True)
class SoldOrder:
    order_id: int
    channel_id: int
    location_id: int  # 0: none
    member_id: int | None
    currency: str
    lines: tuple[SoldLine, ...]


@dataclass(frozen=True, slots=True)
class CountedEvent:
    event_id: int
    order_id: int
    happening: Happening
    at: datetime
    returned: Mapping[int, int] = field(default_factory=dict)  # RETURN: units per line id


class LineKey(NamedTuple):
    day: date
    channel_id: int
    location_id: int
    category_id: int
    product_id: int
    variant_id: int


class OrderKey(NamedTuple):
    day: date
    channel_id: int
    location_id: int


class CategoryOrderKey(NamedTuple):
    day: date
    channel_id: int
    location_id: int
    category_id: int


class MemberKey(NamedTuple):
    member_id: int
    day: date
    channel_id: int
    location_id: int


class ProductMonthKey(NamedTuple):
    month: date  # its first day
    product_id: int


@dataclass(slots=True)
class LineFigures:
    orders: int = 0  # orders paid (kept per store and per category; per variant it stays 0)
    units_sold: int = 0
    units_returned: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO


def returned_value(line: SoldLine, before: int, now: int, currency: str) -> Decimal:
    """The paid value of `now` more units of `line` coming back after `before` already did."""
    return round_to_minor(line.total * (before + now) / line.quantity, currency) - round_to_minor(
        line.total * before / line.quantity, currency
    )


@dataclass
class Rollup:
    """Increments for the rollup tables, accumulated over a batch of events."""

    zone: ZoneInfo
    lines: dict[LineKey, LineFigures] = field(default_factory=lambda: defaultdict(LineFigures))
    stores: dict[OrderKey, LineFigures] = field(default_factory=lambda: defaultdict(LineFigures))
    categories: dict[CategoryOrderKey, LineFigures] = field(default_factory=lambda: defaultdict(LineFigures))
    members: dict[MemberKey, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, event: CountedEvent, order: SoldOrder, earlier_returns: Sequence[Mapping[int, int]] = ()) -> None:
        """Add what `event` changes; `earlier_returns` are the order's returns before it (RETURN only)."""
        day = business_date(event.at, self.zone)
        if event.happening is Happening.SALE:
            self._sale(day, order)
        elif event.happening is Happening.CANCEL:
            self._give_back(day, order, {ln.line_id: ln.quantity for ln in order.lines}, {})
        else:
            before: dict[int, int] = defaultdict(int)
            for earlier in earlier_returns:
                for line_id, units in earlier.items():
                    before[line_id] += units
            self._give_back(day, order, event.returned, before)

    def _figures(self, day: date, order: SoldOrder, line: SoldLine) -> tuple[LineFigures, ...]:
        """The rows a line's figures add to: its variant's, its store's and its category's."""
        channel, location = order.channel_id, order.location_id
        return (
            self.lines[LineKey(day, channel, location, line.category_id, line.product_id, line.variant_id)],
            self.stores[OrderKey(day, channel, location)],
            self.categories[CategoryOrderKey(day, channel, location, line.category_id)],
        )

    def _sale(self, day: date, order: SoldOrder) -> None:
        for line in order.lines:
            gross = line.unit_price * line.quantity
            for f in self._figures(day, order, line):
                f.units_sold += line.quantity
                f.gross += gross
                f.discounts += gross - line.total
        self.stores[OrderKey(day, order.channel_id, order.location_id)].orders += 1
        for category_id in {ln.category_id for ln in order.lines}:
            self.categories[CategoryOrderKey(day, order.channel_id, order.location_id, category_id)].orders += 1
        if order.member_id is not None:
            self.members[MemberKey(order.member_id, day, order.channel_id, order.location_id)] += 1

    def _give_back(self, day: date, order: SoldOrder, units: Mapping[int, int], before: Mapping[int, int]) -> None:
        for line in order.lines:
            back = units.get(line.line_id, 0)
            if back:
                value = returned_value(line, before.get(line.line_id, 0), back, order.currency)
                for f in self._figures(day, order, line):
                    f.units_returned += back
                    f.returns += value

    def product_months(self) -> dict[ProductMonthKey, LineFigures]:
        """The lines' increments per business month and product (the product ranking's bounds): units
        sold and gross and discounts, returns left out (a return adds zeros: the row exists). Products
        deleted from the catalogue are left out, as rankings leave them out."""
        months: dict[ProductMonthKey, LineFigures] = defaultdict(LineFigures)
        for key, f in self.lines.items():
            if key.product_id:
                month = months[ProductMonthKey(key.day.replace(day=1), key.product_id)]
                month.units_sold += f.units_sold
                month.gross += f.gross
                month.discounts += f.discounts
        return months

    def product_spans(self) -> dict[ProductMonthKey, LineFigures]:
        """The product months' increments added to every span they are in (keyed by its first month):
        the span that begins in the month and the `SPAN_MONTHS` - 1 that begin before it."""
        spans: dict[ProductMonthKey, LineFigures] = defaultdict(LineFigures)
        for key, f in self.product_months().items():
            for back in range(SPAN_MONTHS):
                span = spans[ProductMonthKey(shift_month(key.month, -back), key.product_id)]
                span.units_sold += f.units_sold
                span.gross += f.gross
                span.discounts += f.discounts
        return spans

    def __bool__(self) -> bool:
        return bool(self.lines)
