"""The data centre's queries: sales by period, channel, store and category; top products; members.
Thin: the rules (who reads what, one currency, the period) are domain/reports; the figures come from
the rollups (db/reports.py)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import strawberry

from db.reports import SqlReports
from domain.access.model import AccessDenied
from domain.errors import DomainError
from domain.reports import model, services
from schema.catalog.types import Product
from schema.context import Info
from schema.errors import bad_input, refused
from schema.money import Money
from schema.promotions.types import CouponTemplate
from schema.reports.inputs import ReportDimension, ReportFilter, TopProductsBy
from schema.reports.types import CouponCampaignReport, MemberReport, PointsLiability, ProductSales, SalesReport

T = TypeVar("T")
DEFAULT_TOP = 10

FilterArgument = Annotated[ReportFilter, strawberry.argument(description="The days, channels and stores covered.")]


def _reader(info: Info) -> SqlReports:
    return SqlReports(info.context.session, ZoneInfo(info.context.services.business_timezone))


async def _answer(work: Awaitable[T]) -> T:
    """A refusal is FORBIDDEN (or UNAUTHENTICATED); a filter the rules reject is BAD_USER_INPUT."""
    try:
        return await work
    except AccessDenied as e:
        raise refused(e) from None
    except DomainError as e:
        raise bad_input(e.message) from None


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="Head office, reporting apps and store managers (their store): sales figures over "
        "business days, in total and grouped by period, channel, store and category."
    )
    async def sales_report(
        self,
        info: Info,
        filter: FilterArgument,
        group_by: Annotated[
            list[ReportDimension] | None, strawberry.argument(description="The rows' dimensions (none: totals only).")
        ] = None,
    ) -> SalesReport:
        dims = [model.ReportDimension(d.value) for d in group_by or ()]
        report = await _answer(
            services.sales_report(_reader(info), info.context.principal, filter.to_model(), filter.channel_slugs, dims)
        )
        return await SalesReport.of(info, report)

    @strawberry.field(description="The best-selling products over business days, by net sales or units.")
    async def top_products(
        self,
        info: Info,
        filter: FilterArgument,
        first: Annotated[int | None, strawberry.argument(description="How many (1 to 100; default 10).")] = None,
        by: Annotated[TopProductsBy | None, strawberry.argument(description="The ranking (default NET).")] = None,
    ) -> list[ProductSales]:
        ranking = model.TopProductsBy(by.value) if by is not None else model.TopProductsBy.NET
        currency, top = await _answer(
            services.top_products(
                _reader(info),
                info.context.principal,
                filter.to_model(),
                filter.channel_slugs,
                ranking,
                DEFAULT_TOP if first is None else first,
            )
        )
        products = await info.context.loaders.product_by_id.load_many([p.product_id for p in top])
        return [
            ProductSales(product=Product.from_model(row), units=p.units, net=Money.of(p.net, currency))
            for p, row in zip(top, products, strict=True)
            if row is not None
        ]

    @strawberry.field(
        description="Members over business days: new, active (paid for an order), returning, repeat rate."
    )
    async def member_report(self, info: Info, filter: FilterArgument) -> MemberReport:
        figures = await _answer(
            services.member_report(_reader(info), info.context.principal, filter.to_model(), filter.channel_slugs)
        )
        return MemberReport.from_model(figures)

    @strawberry.field(
        description="Head office and reporting apps: members' outstanding points, their value and what expires soon."
    )
    async def points_liability(
        self,
        info: Info,
        channel: Annotated[
            str | None, strawberry.argument(description="The channel whose currency values them (default channel).")
        ] = None,
    ) -> PointsLiability:
        now = info.context.services.clock()
        currency, figures = await _answer(
            services.points_liability(_reader(info), info.context.principal, channel, now)
        )
        return PointsLiability.from_model(figures, currency)

    @strawberry.field(
        description="Head office and reporting apps: per coupon campaign, the coupons issued over business days "
        "and their redemptions online and in store."
    )
    async def coupon_report(self, info: Info, filter: FilterArgument) -> list[CouponCampaignReport]:
        currency, campaigns = await _answer(
            services.coupon_report(_reader(info), info.context.principal, filter.to_model(), filter.channel_slugs)
        )
        templates = await info.context.loaders.coupon_template_by_id.load_many([c.template_id for c in campaigns])
        return [
            CouponCampaignReport(
                template=CouponTemplate.from_model(row),
                issued=c.issued,
                redeemed_online=c.redeemed_online,
                redeemed_in_store=c.redeemed_in_store,
                redemption_rate=c.redemption_rate,
                discount_given=Money.of(c.discount, currency),
            )
            for c, row in zip(campaigns, templates, strict=True)
            if row is not None
        ]
