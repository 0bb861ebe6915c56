"""The data centre's figures as the graph shows them: sales figures with their rows, top products,
member figures. Rows name their channel, store and category through the request's loaders."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.reports import model
from schema.catalog.types import Category, Product
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.types import Location
from schema.money import Money
from schema.promotions.types import CouponTemplate


@strawberry.type(description="What was sold and given back: merchandise only (no shipping), in one currency.")
class SalesFigures:
    orders: int = strawberry.field(description="Orders paid (an order in several categories counts in each).")
    units: int = strawberry.field(description="Units sold less units returned.")
    gross: Money = strawberry.field(description="List value of the units sold (unit price x quantity).")
    discounts: Money = strawberry.field(description="What promotions and coupons took off those units.")
    returns: Money = strawberry.field(
        description="Paid value of the units that came back (returns, and paid orders cancelled), on that day."
    )
    net: Money = strawberry.field(description="gross - discounts - returns.")
    average_order_value: Money | None = strawberry.field(
        description="(gross - discounts) per order paid; null without orders."
    )

    @classmethod
    def from_model(cls, f: model.SalesFigures, currency: str) -> SalesFigures:
        aov = f.average_order_value(currency)
        return cls(
            orders=f.orders,
            units=f.units,
            gross=Money.of(f.gross, currency),
            discounts=Money.of(f.discounts, currency),
            returns=Money.of(f.returns, currency),
            net=Money.of(f.net, currency),
            average_order_value=Money.of(aov, currency) if aov is not None else None,
        )


@strawberry.type(description="One group of a sales report: where it stands on each dimension grouped by.")
class SalesReportRow:
    date: date | None = strawberry.field(
        description="The first business day of the row's day, week or month; null when not grouped by a period."
    )
    figures: SalesFigures = strawberry.field(description="The row's figures.")
    channel_id: strawberry.Private[int | None]
    location_id: strawberry.Private[int | None]
    category_id: strawberry.Private[int | None]

    @strawberry.field(description="The channel (grouped by CHANNEL).")
    async def channel(self, info: Info) -> Channel | None:
        row = await info.context.loaders.channel_by_id.load(self.channel_id) if self.channel_id else None
        return Channel.from_model(row) if row is not None else None

    @strawberry.field(description="The store (grouped by LOCATION; null for sales attributed to no store).")
    async def location(self, info: Info) -> Location | None:
        row = await info.context.loaders.location_by_id.load(self.location_id) if self.location_id else None
        return Location.from_model(row) if row is not None else None

    @strawberry.field(description="The category (grouped by CATEGORY; null for products in none).")
    async def category(self, info: Info) -> Category | None:
        row = await info.context.loaders.category_by_id.load(self.category_id) if self.category_id else None
        return Category.from_model(row) if row is not None else None


@strawberry.type(description="Sales figures over a period, in total and by the dimensions asked for.")
class SalesReport:
    totals: SalesFigures = strawberry.field(description="The whole period (each order once).")
    rows: list[SalesReportRow] = strawberry.field(description="One per group, in order of period, then ids.")

    @classmethod
    def from_model(cls, r: model.SalesReport) -> SalesReport:
        rows = [
            SalesReportRow(
                date=row.key.day,
                figures=SalesFigures.from_model(row.figures, r.currency),
                channel_id=row.key.channel_id,
                location_id=row.key.location_id,
                category_id=row.key.category_id,
            )
            for row in r.rows
        ]
        return cls(totals=SalesFigures.from_model(r.totals, r.currency), rows=rows)


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
