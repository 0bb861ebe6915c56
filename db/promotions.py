"""Promotion and coupon storage for pricing and redemption: implements
`domain.orders.cart_pricing.PricingSource` and the coupon writes of `domain.promotions.coupon_services`.

Redemption is one conditional UPDATE (`state = 'ACTIVE'` and inside the validity window), so of
any number of concurrent attempts on one coupon exactly one changes the row; the others see
nothing updated and are told why.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.models import (
    Category,
    Coupon,
    CouponTemplate,
    Location,
    MemberTag,
    Order,
    Product,
    ProductVariant,
    PromotionUse,
)
from db.models import Promotion as PromotionRow
from db.sql import AnySelect, core_rows, dialect_name, in_parameter
from db.types import UtcDateTime
from domain.apps.webhooks import WebhookEventType
from domain.inventory.model import LocationType
from domain.orders.cart_pricing import MemberFacts
from domain.orders.model import OrderStatus
from domain.promotions import Promotion
from domain.promotions.coupons import CouponInfo, TemplateInfo
from domain.promotions.records import CouponState, action_from_record, conditions_from_record


def promotion_of(row: PromotionRow | sa.Row[Any]) -> Promotion:
    """The rule of a promotion's row (an ORM object, or a row of the table's columns)."""
    return Promotion(
        row.id,
        row.name,
        row.priority,
        row.stackable,
        conditions_from_record(row.conditions, row.starts_at, row.ends_at, row.location_id),
        action_from_record(row.action_type, row.action),
        row.currency,
    )


def template_of(row: CouponTemplate) -> TemplateInfo:
    rule = Promotion(
        row.id,
        row.name,
        row.priority,
        row.stackable,
        conditions_from_record(row.conditions),
        action_from_record(row.action_type, row.action),
        row.currency,
    )
    return TemplateInfo(
        row.id,
        rule,
        row.campaign_code,
        row.valid_from,
        row.valid_until,
        row.valid_days,
        row.total_quantity,
        row.issued_count,
        row.per_member_limit,
        row.redeemable_at,
        row.is_active,
    )


def coupon_of(row: Coupon) -> CouponInfo:
    return CouponInfo(row.id, row.code, row.template_id, row.member_id, row.state, row.valid_from, row.valid_until)


def running_filter(now: datetime | sa.BindParameter[datetime]) -> Any:
    return sa.and_(
        PromotionRow.is_active.is_(True),
        sa.or_(PromotionRow.starts_at.is_(None), PromotionRow.starts_at <= now),
        sa.or_(PromotionRow.ends_at.is_(None), PromotionRow.ends_at > now),
    )


# ---------------------------------------------------------------------- batched reads (loaders and repository)


# Built once (the running promotions here, the categories per dialect below): a checkout reads both on its
# hot path, where building the statements cost more than running them.
_PROMOTIONS = cast(sa.Table, PromotionRow.__table__)
_RUNNING = sa.select(_PROMOTIONS).where(running_filter(sa.bindparam("now", type_=UtcDateTime())))


async def running_promotions(session: AsyncSession, moments: Sequence[datetime]) -> dict[datetime, list[Promotion]]:
    """The promotions running at each moment (one query: a request asks for one moment)."""
    return {now: [promotion_of(r) for r in await core_rows(session, _RUNNING, {"now": now})] for now in set(moments)}


@functools.cache
def _catalogue_facts_statement(dialect: str) -> AnySelect:
    """Parameter `variant_ids`."""
    tree = (
        sa.select(
            ProductVariant.id.label("variant_id"),
            ProductVariant.product_id.label("product_id"),
            Product.category_id.label("category_id"),
        )
        .join(Product, Product.id == ProductVariant.product_id)
        .where(in_parameter(dialect, ProductVariant.id, "variant_ids"))
        .cte("tree", recursive=True)
    )
    tree = tree.union(
        sa.select(tree.c.variant_id, tree.c.product_id, Category.parent_id)
        .join(Category, Category.id == tree.c.category_id)
        .where(Category.parent_id.is_not(None))
    )
    return sa.select(tree.c.variant_id, tree.c.product_id, tree.c.category_id)


async def catalogue_facts(session: AsyncSession, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
    """variant id -> (product id, its category with every ancestor): one recursive query that walks
    up from each variant's category (UNION drops repeated rows, so even a cycle ends)."""
    products: dict[int, int] = {}
    categories: dict[int, set[int]] = {}
    statement = _catalogue_facts_statement(dialect_name(session))
    for variant, product, category in await core_rows(session, statement, {"variant_ids": list(variant_ids)}):
        products[variant] = product
        found = categories.setdefault(variant, set())
        if category is not None:
            found.add(category)
    return {v: (p, frozenset(categories[v])) for v, p in products.items()}


async def member_facts(
    session: AsyncSession, keys: Sequence[tuple[int, tuple[int, ...]]]
) -> dict[tuple[int, tuple[int, ...]], MemberFacts]:
    """Key (member id, running promotion ids): the member's tags, whether they have ordered before,
    and the units they bought under each of those promotions (three queries for every key)."""
    members = {m for m, _ in keys}
    promotions = {p for _, ids in keys for p in ids}
    tags: dict[int, set[str]] = {m: set() for m in members}
    for member, tag in await session.execute(
        sa.select(MemberTag.member_id, MemberTag.tag).where(MemberTag.member_id.in_(members))
    ):
        tags[member].add(tag)
    ordered = set(
        await session.scalars(
            sa.select(Order.member_id)
            .distinct()
            .where(Order.member_id.in_(members), Order.status != OrderStatus.CANCELLED)
        )
    )
    bought: dict[int, dict[tuple[int, int], int]] = {m: {} for m in members}
    if promotions:
        rows = await session.execute(
            sa.select(
                PromotionUse.member_id,
                PromotionUse.promotion_id,
                PromotionUse.variant_id,
                sa.func.sum(PromotionUse.quantity),
            )
            .join(Order, Order.id == PromotionUse.order_id)
            .where(
                PromotionUse.member_id.in_(members),
                PromotionUse.promotion_id.in_(promotions),
                Order.status != OrderStatus.CANCELLED,
            )
            .group_by(PromotionUse.member_id, PromotionUse.promotion_id, PromotionUse.variant_id)
        )
        for member, promotion, variant, units in rows:
            bought[member][(promotion, variant)] = int(units)
    return {
        (m, ids): MemberFacts(frozenset(tags[m]), m not in ordered, {k: v for k, v in bought[m].items() if k[0] in ids})
        for m, ids in keys
    }


async def coupons_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, tuple[CouponInfo, TemplateInfo]]:
    rows = await session.execute(
        sa.select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.code.in_(codes))
    )
    return {c.code: (coupon_of(c), template_of(t)) for c, t in rows}


class SqlPromotionRepository:
    """`PricingSource` for one cart (checkout) plus the coupon writes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def running_promotions(self, now: datetime) -> list[Promotion]:
        return (await running_promotions(self.session, [now]))[now]

    async def catalogue_facts(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
        return await catalogue_facts(self.session, variant_ids)

    async def member_facts(self, member_id: int, promotion_ids: Sequence[int]) -> MemberFacts:
        key = (member_id, tuple(promotion_ids))
        return (await member_facts(self.session, [key]))[key]

    # ------------------------------------------------------------------ coupons

    async def coupon(self, code: str) -> tuple[CouponInfo, TemplateInfo] | None:
        return (await coupons_by_codes(self.session, [code])).get(code)

    async def campaign(self, code: str) -> TemplateInfo | None:
        row = await self.session.scalar(sa.select(CouponTemplate).where(CouponTemplate.campaign_code == code))
        return template_of(row) if row else None

    async def member_coupon_of_campaign(self, member_id: int, template_id: int, now: datetime) -> CouponInfo | None:
        """The member's oldest coupon of the campaign that can still be used, else their latest one
        (used or expired), so the caller can say which."""
        usable = sa.and_(
            Coupon.state == CouponState.ACTIVE, sa.or_(Coupon.valid_until.is_(None), Coupon.valid_until > now)
        )
        row = await self.session.scalar(
            sa.select(Coupon)
            .where(Coupon.member_id == member_id, Coupon.template_id == template_id)
            .order_by(sa.case((usable, 0), else_=1), sa.case((usable, Coupon.id), else_=-Coupon.id))
            .limit(1)
        )
        return coupon_of(row) if row else None

    async def redeem(
        self, coupon_id: int, now: datetime, *, order_id: int | None, location_id: int | None, staff_id: int | None
    ) -> bool:
        """Mark the coupon used unless it already is or is outside its window; False when it was not."""
        result = await self.session.execute(
            sa.update(Coupon)
            .where(
                Coupon.id == coupon_id,
                Coupon.state == CouponState.ACTIVE,
                sa.or_(Coupon.valid_from.is_(None), Coupon.valid_from <= now),
                sa.or_(Coupon.valid_until.is_(None), Coupon.valid_until > now),
            )
            .values(
                state=CouponState.REDEEMED,
                redeemed_at=now,
                order_id=order_id,
                redeemed_location_id=location_id,
                redeemed_staff_id=staff_id,
            )
            .execution_options(synchronize_session=False)
        )
        redeemed = getattr(result, "rowcount", 0) == 1
        if redeemed:
            await webhook_events.announce(self.session, WebhookEventType.COUPON_REDEEMED, coupon_id, now)
        return redeemed

    async def restore(self, order_id: int) -> list[str]:
        """Give back the coupon an order redeemed (the order was cancelled unpaid); its codes."""
        result = await self.session.execute(
            sa.update(Coupon)
            .where(Coupon.order_id == order_id, Coupon.state == CouponState.REDEEMED)
            .values(
                state=CouponState.ACTIVE,
                redeemed_at=None,
                order_id=None,
                redeemed_location_id=None,
                redeemed_staff_id=None,
            )
            .returning(Coupon.code)
            .execution_options(synchronize_session=False)
        )
        return list(result.scalars())

    async def store_exists(self, location_id: int) -> bool:
        return bool(
            await self.session.scalar(
                sa.select(
                    sa.exists().where(
                        Location.id == location_id, Location.type == LocationType.STORE, Location.is_active.is_(True)
                    )
                )
            )
        )

    async def order_store(self, order_token: str) -> tuple[int | None, int | None] | None:
        """(the order's member, the store it belongs to), when the order exists."""
        row = (
            await self.session.execute(sa.select(Order.member_id, Order.location_id).where(Order.token == order_token))
        ).first()
        return (row[0], row[1]) if row else None

    async def record_uses(self, order_id: int, member_id: int, uses: Sequence[tuple[int, int, int]]) -> None:
        """Units sold at flash-sale prices: (promotion id, variant id, quantity)."""
        if uses:
            await self.session.execute(
                sa.insert(PromotionUse),
                [
                    {"order_id": order_id, "member_id": member_id, "promotion_id": p, "variant_id": v, "quantity": q}
                    for p, v, q in uses
                ],
            )
