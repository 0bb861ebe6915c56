"""The data centre's figures as the graph shows them: sales figures with their rows, top products,
member figures. A report's rows are plain objects, their channel, store and category loaded once for all
of them, so that the executor's plans complete thousands of rows without graphql-core's per-field path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

import strawberry
from aiodataloader import DataLoader

from domain.reports import model
from schema.catalog.types import Category, Product
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.types import Location
from schema.money import Money
from schema.promotions.types import CouponTemplate
from schema.selections import fields_at


@strawberry.type(description="What was sold and given back: merchandise only (no shipping), in one currency.")
class SalesFigures:
    """Plain attributes (and one sync field), so that the executor's plans (schema/execution.py) complete
    a report's thousands of rows by reading them; the average, a division, is worked out only when asked."""

    orders: int = strawberry.field(description="Orders paid (an order in several categories counts in each).")
    units: int = strawberry.field(description="Units sold less units returned.")
    gross: Money = strawberry.field(description="List value of the units sold (unit price x quantity).")
    discounts: Money = strawberry.field(description="What promotions and coupons took off those units.")
    returns: Money = strawberry.field(
        description="Paid value of the units that came back (returns, and paid orders cancelled), on that day."
    )
    net: Money = strawberry.field(description="gross - discounts - returns.")
    figures: strawberry.Private[model.SalesFigures]
    currency: strawberry.Private[str]

    @strawberry.field(description="(gross - discounts) per order paid; null without orders.")
    def average_order_value(self) -> Money | None:
        aov = self.figures.average_order_value(self.currency)
        return Money.of(aov, self.currency) if aov is not None else None

    @classmethod
    def many(cls, figures: Sequence[model.SalesFigures], currency: str) -> list[SalesFigures]:
        """The figures of a report's rows, their amounts rounded and made `Money` in one batch (four per
        row, read in fours), each made without `__init__` as `Money.many` makes them: by day and store,
        thousands of rows."""
        amounts = Money.many([a for f in figures for a in (f.gross, f.discounts, f.returns, f.net)], currency)
        fours = iter(amounts)  # zipped four times: a row's four amounts in turn
        made: list[SalesFigures] = [None] * len(figures)  # type: ignore[list-item]
        new = object.__new__
        for i, (f, gross, discounts, returns, net) in enumerate(zip(figures, fours, fours, fours, fours, strict=True)):
            made[i] = s = new(cls)  # its attributes at once, in `__init__`'s order (see `Money.many`)
            s.orders, s.units, s.gross, s.discounts, s.returns = f.orders, f.units, gross, discounts, returns
            s.net, s.figures, s.currency = net, f, currency
        return made


@strawberry.type(description="One group of a sales report: where it stands on each dimension grouped by.")
class SalesReportRow:
    date: date | None = strawberry.field(
        description="The first business day of the row's day, week or month; null when not grouped by a period."
    )
    figures: SalesFigures = strawberry.field(description="The row's figures.")
    channel: Channel | None = strawberry.field(description="The channel (grouped by CHANNEL).")
    location: Location | None = strawberry.field(
        description="The store (grouped by LOCATION; null for sales attributed to no store)."
    )
    category: Category | None = strawberry.field(
        description="The category (grouped by CATEGORY; null for products in none)."
    )


@strawberry.type(description="Sales figures over a period, in total and by the dimensions asked for.")
class SalesReport:
    totals: SalesFigures = strawberry.field(description="The whole period (each order once).")
    rows: list[SalesReportRow] = strawberry.field(description="One per group, in order of period, then ids.")

    @classmethod
    async def of(cls, info: Info, r: model.SalesReport) -> SalesReport:
        """The report with its rows' channels, stores and categories, each loaded once for all rows (one
        batch per kind the rows select), so that the rows are plain objects."""
        selected = {f.name for f in fields_at(info.selected_fields, info.field_name, "rows")}
        loaders = info.context.loaders
        keys = [row.key for row in r.rows]
        channels = await _named(selected, "channel", loaders.channel_by_id, keys, Channel)
        locations = await _named(selected, "location", loaders.location_by_id, keys, Location)
        categories = await _named(selected, "category", loaders.category_by_id, keys, Category)
        totals, *figures = SalesFigures.many([r.totals] + [row.figures for row in r.rows], r.currency)
        rows: list[SalesReportRow] = [None] * len(keys)  # type: ignore[list-item]
        new = object.__new__
        for i, (key, f) in enumerate(zip(keys, figures, strict=True)):
            rows[i] = row = new(SalesReportRow)  # without `__init__` (thousands), as `Money.many` makes them
            row.date, row.figures = key.day, f
            row.channel = channels.get(key.channel_id) if channels else None
            row.location = locations.get(key.location_id) if locations else None
            row.category = categories.get(key.category_id) if categories else None
        return cls(totals=totals, rows=rows)


async def _named(
    selected: set[str], name: str, loader: DataLoader[int, Any], keys: Iterable[model.RowKey], type_: Any
) -> dict[int | None, Any]:
    """id -> the object of `type_` (its `from_model`) for each `name` id of `keys` (the key's field
    `name_id`), when the rows select `name`."""
    if name not in selected:
        return {}
    wanted = list(dict.fromkeys(filter(None, map(attrgetter(f"{name}_id"), keys))))
    found = await loader.load_many(wanted) if wanted else []
    return {i: type_.from_model(m) for i, m in zip(wanted, found, strict=True) if m is not None}


@strawberry.type(description="A product's sales over a period.")
class ProductSales:
    product: Product = strawberry.field(description="The product.")
    units: int = strawberry.field(description="Units sold less units returned.")
    net: Money = strawberry.field(description="Net sales: gross - discounts - returns.")


@strawberry.type(description="Members over a period.")
class MemberReport:
    new_members: int = strawberry.field(description="Members who joined (on the channels and at the stores).")
    active_members: int = strawberry.field(description="Members who paid for at least one order.")
    returning_members: int = strawberry.field(description="Active members who had paid for an order before.")
    repeat_rate: float = strawberry.field(description="Share of active members who paid for more than one order.")

    @classmethod
    def from_model(cls, m: model.MemberFigures) -> MemberReport:
        return cls(
            new_members=m.new_members,
            active_members=m.active_members,
            returning_members=m.returning_members,
            repeat_rate=m.repeat_rate,
        )


@strawberry.type(description="What members' points could still cost the business.")
class PointsLiability:
    outstanding_points: int = strawberry.field(description="Every member's points balance, summed.")
    value: Money = strawberry.field(description="What they are worth at the redemption rate.")
    expiring_within30_days: int = strawberry.field(
        name="expiringWithin30Days",
        description="Points that will have expired within 30 days unless spent first (oldest first).",
    )

    @classmethod
    def from_model(cls, p: model.PointsLiability, currency: str) -> PointsLiability:
        return cls(
            outstanding_points=p.outstanding, value=Money.of(p.value, currency), expiring_within30_days=p.expiring
        )


@strawberry.type(description="A coupon campaign: the coupons issued in the period and what became of them.")
class CouponCampaignReport:
    template: CouponTemplate = strawberry.field(description="The campaign.")
    issued: int = strawberry.field(description="Coupons issued in the period.")
    redeemed_online: int = strawberry.field(description="Of those, redeemed at an online checkout.")
    redeemed_in_store: int = strawberry.field(description="Of those, redeemed at a store's till.")
    redemption_rate: float = strawberry.field(description="Redeemed (online or in store) per coupon issued.")
    discount_given: Money = strawberry.field(description="What the redeemed coupons took off their orders.")
