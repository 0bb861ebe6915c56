"""Promotion and coupon-template types as staff read them: the rule (conditions and action), its
schedule or validity.

Types are built from rows (`from_model`), with the stored rule read back through
`domain.promotions.records`. Who sees them is decided where they are fetched: the admin queries
and `node`; `Coupon.template` (a member's own coupon) shows its template too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from db.models import CouponTemplate as TemplateRow
from db.models import Promotion as PromotionRow
from db.promotions import promotion_of, template_of
from domain.access.model import Permission
from domain.promotions import admin
from domain.promotions.model import (
    Action,
    AmountOff,
    BuyXGetY,
    FixedPrice,
    PercentOff,
    PointsMultiplier,
)
from domain.promotions.model import Promotion as Rule
from domain.promotions.records import action_record
from schema.channels.types import Channel
from schema.context import Info
from schema.errors import ErrorCode, coded_error
from schema.inventory.types import Location
from schema.money import Money
from schema.permissions import require
from schema.promotions.enums import CouponRedeemChannel, PromotionActionType, PromotionStatus
from schema.relay import Node, register_node, to_global_id


@strawberry.type(description="What a promotion or coupon does; only the fields its `type` uses are set.")
class PromotionAction:
    type: PromotionActionType = strawberry.field(description="The kind of action.")
    percent: Decimal | None = strawberry.field(description="PERCENT_OFF and BUY_X_GET_Y: the percentage off.")
    amount: Money | None = strawberry.field(description="AMOUNT_OFF: the amount off the eligible lines.")
    unit_price: Money | None = strawberry.field(description="FIXED_PRICE: the price of each eligible unit.")
    per_member_limit: int | None = strawberry.field(
        description="FIXED_PRICE: units per member and variant at that price; null: no limit."
    )
    buy: int | None = strawberry.field(description="BUY_X_GET_Y: units bought.")
    get: int | None = strawberry.field(description="BUY_X_GET_Y: units discounted for every `buy` bought.")
    factor: Decimal | None = strawberry.field(description="POINTS_MULTIPLIER: what points earned are multiplied by.")

    @classmethod
    def of(cls, action: Action, currency: str | None) -> PromotionAction:
        def money(amount: Decimal) -> Money | None:
            return Money.of(amount, currency) if currency else None

        kind, _ = action_record(action)
        fields: dict[str, Any] = dict.fromkeys(
            ("percent", "amount", "unit_price", "per_member_limit", "buy", "get", "factor")
        )
        match action:
            case PercentOff(percent=percent):
                fields["percent"] = percent
            case AmountOff(amount=amount):
                fields["amount"] = money(amount)
            case FixedPrice(unit_price=price, per_member_limit=limit):
                fields.update(unit_price=money(price), per_member_limit=limit)
            case BuyXGetY(buy=buy, get=get, percent=percent):
                fields.update(buy=buy, get=get, percent=percent)
            case PointsMultiplier(factor=factor):
                fields["factor"] = factor
        return cls(type=kind, **fields)


def _ids(type_name: str, ids: frozenset[int] | None) -> list[strawberry.ID] | None:
    return None if ids is None else [strawberry.ID(to_global_id(type_name, i)) for i in sorted(ids)]


@strawberry.type(
    description="When a promotion or coupon applies; every condition given must hold, null ones do "
    "not restrict. Products, categories and variants are a scope: a line is eligible when it matches "
    "any of them."
)
class PromotionConditions:
    channel_ids: strawberry.Private[frozenset[int] | None]
    member_tags_any: list[str] | None = strawberry.field(description="The member has at least one of these tags.")
    min_subtotal: Money | None = strawberry.field(description="The eligible lines add up to at least this much.")
    product_ids: list[strawberry.ID] | None = strawberry.field(description="Lines of these products are eligible.")
    category_ids: list[strawberry.ID] | None = strawberry.field(
        description="Lines of products in these categories (or their subcategories) are eligible."
    )
    variant_ids: list[strawberry.ID] | None = strawberry.field(description="Lines of these variants are eligible.")
    first_order_only: bool = strawberry.field(description="Only for a member's first order.")
    members_only: bool = strawberry.field(
        description="Only for a member's cart: as set, or (when not set) because the action has a per-member limit."
    )

    @strawberry.field(description="The cart is in one of these channels; null: any channel.")
    async def channels(self, info: Info) -> list[Channel] | None:
        if self.channel_ids is None:
            return None
        rows = await info.context.loaders.channel_by_id.load_many(sorted(self.channel_ids))
        return [Channel.from_model(r) for r in rows if r is not None]

    @classmethod
    def of(cls, rule: Rule) -> PromotionConditions:
        c, currency = rule.conditions, rule.currency
        return cls(
            channel_ids=c.channel_ids,
            member_tags_any=sorted(c.member_tags_any) if c.member_tags_any is not None else None,
            min_subtotal=Money.of(c.min_subtotal, currency) if c.min_subtotal is not None and currency else None,
            product_ids=_ids("Product", c.product_ids),
            category_ids=_ids("Category", c.category_ids),
            variant_ids=_ids("ProductVariant", c.variant_ids),
            first_order_only=c.first_order_only,
            members_only=rule.members_only,
        )


@strawberry.type(
    description="An automatic promotion: it prices every cart that meets its conditions while it "
    "runs. Staff who manage promotions only."
)
class Promotion(Node):
    name: str = strawberry.field(description="What order lines show for the discount.")
    priority: int = strawberry.field(description="Evaluation order, lower first (0 to 1,000,000).")
    stackable: bool = strawberry.field(
        description="Combines with other promotions; false: exclusive (applies only "
        "when nothing applied before it, and stops the rest)."
    )
    is_active: bool = strawberry.field(description="Switched on; inactive promotions apply to nothing.")
    starts_at: datetime | None = strawberry.field(description="Applies from this moment on; null: from the start.")
    ends_at: datetime | None = strawberry.field(description="Applies until just before this moment; null: no end.")
    currency: str | None = strawberry.field(
        description="Its amounts' currency; it applies only to carts in it. Null: any currency (no amounts)."
    )
    location_id: strawberry.Private[int | None]
    conditions: PromotionConditions = strawberry.field(description="When it applies.")
    action: PromotionAction = strawberry.field(description="What it does.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")

    @strawberry.field(description="Where it is in its life now.")
    def status(self, info: Info) -> PromotionStatus:
        return admin.promotion_status(self.is_active, self.starts_at, self.ends_at, info.context.loaders.now)

    @strawberry.field(description="The store whose sales it applies to (that store's own promotion); null: chain-wide.")
    async def location(self, info: Info) -> Location | None:
        if self.location_id is None:
            return None
        row = await info.context.loaders.location_by_id.load(self.location_id)
        return Location.from_model(row) if row else None

    @classmethod
    def from_model(cls, m: PromotionRow) -> Promotion:
        rule = promotion_of(m)
        return cls(
            pk=m.id,
            name=m.name,
            priority=m.priority,
            stackable=m.stackable,
            is_active=m.is_active,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            currency=m.currency,
            location_id=m.location_id,
            conditions=PromotionConditions.of(rule),
            action=PromotionAction.of(rule.action, m.currency),
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


@strawberry.type(
    description="What a coupon gives and how many exist: coupons are issued from it to members by "
    "staff (`couponIssue`) or claimed with its campaign code (`couponClaim`)."
)
class CouponTemplate(Node):
    name: str = strawberry.field(description="The campaign's name.")
    campaign_code: str | None = strawberry.field(
        description="The public code members claim with (what a QR code "
        "carries, e.g. WELCOME10); null: issued by staff only."
    )
    valid_from: datetime | None = strawberry.field(description="Fixed validity: coupons are valid from this moment.")
    valid_until: datetime | None = strawberry.field(
        description="Coupons are valid until just before this moment, and none are issued after it."
    )
    valid_days: int | None = strawberry.field(
        description="Coupons are valid for this many days from when each is "
        "issued (never past `validUntil`); null: fixed dates."
    )
    total_quantity: int | None = strawberry.field(description="How many coupons the campaign has; null: unlimited.")
    issued_count: int = strawberry.field(description="How many have been issued.")
    per_member_limit: int = strawberry.field(description="How many coupons of this campaign one member may hold.")
    redeemable_at: CouponRedeemChannel = strawberry.field(description="Where its coupons can be redeemed.")
    is_active: bool = strawberry.field(
        description="Switched on; an inactive campaign issues nothing and its coupons cannot be used."
    )
    conditions: PromotionConditions = strawberry.field(description="When its coupons apply.")
    action: PromotionAction = strawberry.field(description="What its coupons do.")
    currency: str | None = strawberry.field(description="Its amounts' currency; null: any currency (no amounts).")
    priority: int = strawberry.field(description="Evaluation order among promotions and coupons, lower first.")
    stackable: bool = strawberry.field(description="Combines with promotions; false: exclusive.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")

    @strawberry.field(description="Coupons still to give out; null: unlimited.")
    def remaining(self) -> int | None:
        return None if self.total_quantity is None else max(self.total_quantity - self.issued_count, 0)

    @classmethod
    def from_model(cls, m: TemplateRow) -> CouponTemplate:
        rule = template_of(m).rule
        return cls(
            pk=m.id,
            name=m.name,
            campaign_code=m.campaign_code,
            valid_from=m.valid_from,
            valid_until=m.valid_until,
            valid_days=m.valid_days,
            total_quantity=m.total_quantity,
            issued_count=m.issued_count,
            per_member_limit=m.per_member_limit,
            redeemable_at=m.redeemable_at,
            is_active=m.is_active,
            conditions=PromotionConditions.of(rule),
            action=PromotionAction.of(rule.action, m.currency),
            currency=m.currency,
            priority=m.priority,
            stackable=m.stackable,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


def manager_of(info: Info) -> admin.Manager | None:
    """Whose promotions the caller manages; None: no promotions at all."""
    principal = info.context.principal
    if principal.can_everywhere(Permission.MANAGE_PROMOTIONS):
        return admin.Manager()
    if principal.location_id is not None and principal.can_at(Permission.MANAGE_PROMOTIONS, principal.location_id):
        return admin.Manager(principal.location_id)
    return None


def promotion_manager(info: Info) -> admin.Manager:
    """The caller's reach over promotions; refused (top-level) without the permission or a store."""
    require(info, Permission.MANAGE_PROMOTIONS)
    manager = manager_of(info)
    if manager is None:
        raise coded_error("A store manager without a store manages no promotions.", ErrorCode.FORBIDDEN)
    return manager


async def promotion_by_id(info: Info, promotion_id: int | None) -> Promotion | None:
    row = await info.context.loaders.promotion_by_id.load(promotion_id) if promotion_id else None
    return Promotion.from_model(row) if row else None


async def template_by_id(info: Info, template_id: int | None) -> CouponTemplate | None:
    row = await info.context.loaders.coupon_template_by_id.load(template_id) if template_id else None
    return CouponTemplate.from_model(row) if row else None


async def _fetch_promotions(info: Info, ids: list[int]) -> list[Promotion | None]:
    manager = manager_of(info)
    rows = await info.context.loaders.promotion_by_id.load_many(ids) if manager else [None] * len(ids)
    return [
        Promotion.from_model(r) if r is not None and manager and manager.sees(r.location_id) else None for r in rows
    ]


async def _fetch_templates(info: Info, ids: list[int]) -> list[CouponTemplate | None]:
    if not info.context.principal.can(Permission.MANAGE_PROMOTIONS):
        return [None] * len(ids)
    rows = await info.context.loaders.coupon_template_by_id.load_many(ids)
    return [CouponTemplate.from_model(r) if r is not None else None for r in rows]


register_node("Promotion", _fetch_promotions)
register_node("CouponTemplate", _fetch_templates)
