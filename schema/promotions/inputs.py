"""Inputs of the promotion and coupon-template admin mutations, and how each becomes a domain command;
the coupon code argument and the till's write-off input.

Ids arrive as Relay global ids; one that is malformed or names another type becomes a key no row
has, so the use case reports it as NOT_FOUND at its path with every other input error. In update
inputs an omitted or null field stays as it is, except the `Maybe` fields that can be cleared:
omitted leaves them, null clears them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from domain.catalog.commands import KEEP
from domain.promotions import admin, issuing
from domain.promotions.records import ActionType, RedeemWhere
from domain.promotions.rule_input import ActionInput, ConditionsInput, RuleChange
from schema.promotions.enums import CouponRedeemChannel, PromotionActionType, PromotionStatus
from schema.relay import key_of

IDS = " (unknown ids: NOT_FOUND at their position)."
Code = Annotated[str, strawberry.argument(description="The coupon's code (case and surrounding spaces do not matter).")]


@strawberry.input(
    description="When a promotion or coupon applies; every condition given must hold. Leave a "
    "condition out for no restriction (an empty list is INVALID)."
)
class PromotionConditionsInput:
    channels: list[str] | None = strawberry.field(
        default=None, description="Slugs of the channels it applies in (unknown slugs: NOT_FOUND)."
    )
    member_tags_any: list[str] | None = strawberry.field(
        default=None, description="Only for members with at least one of these tags (guests have none)."
    )
    min_subtotal: Decimal | None = strawberry.field(
        default=None,
        description="The eligible lines add up to at least this much, in the rule's `currency` (which it needs).",
    )
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Scope: lines of these products" + IDS
    )
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Scope: lines of products in these categories or their subcategories" + IDS
    )
    variant_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Scope: lines of these variants" + IDS
    )
    first_order_only: bool = strawberry.field(default=False, description="Only for a member's first order.")
    members_only: bool | None = strawberry.field(
        default=None,
        description="Only for a member's cart (a guest's "
        "gets nothing). Left out: true when the action has a "
        "`perMemberLimit` (a guest's purchases cannot be counted), "
        "false otherwise; false lets guests have the limit per cart.",
    )

    def to_domain(self) -> ConditionsInput:
        def keys(ids: list[strawberry.ID] | None, type_name: str) -> list[int] | None:
            return None if ids is None else [key_of(i, type_name) for i in ids]

        return ConditionsInput(
            channels=self.channels,
            member_tags_any=self.member_tags_any,
            min_subtotal=self.min_subtotal,
            product_ids=keys(self.product_ids, "Product"),
            category_ids=keys(self.category_ids, "Category"),
            variant_ids=keys(self.variant_ids, "ProductVariant"),
            first_order_only=self.first_order_only,
            members_only=self.members_only,
        )


@strawberry.input(
    description="What a promotion or coupon does: its `type` and only the fields that type takes "
    "(a missing one is REQUIRED, an extra one INVALID)."
)
class PromotionActionInput:
    type: PromotionActionType = strawberry.field(description="The kind of action.")
    percent: Decimal | None = strawberry.field(
        default=None, description="PERCENT_OFF (required) and BUY_X_GET_Y (default 100: free): above 0, at most 100."
    )
    amount: Decimal | None = strawberry.field(
        default=None, description="AMOUNT_OFF: the amount off, in the rule's currency."
    )
    unit_price: Decimal | None = strawberry.field(
        default=None, description="FIXED_PRICE: the price of each eligible unit, in the rule's currency."
    )
    per_member_limit: int | None = strawberry.field(
        default=None, description="FIXED_PRICE (optional): units per member and variant at that price, 1 to 1000."
    )
    buy: int | None = strawberry.field(default=None, description="BUY_X_GET_Y: units bought, 1 to 1000.")
    get: int | None = strawberry.field(default=None, description="BUY_X_GET_Y: units discounted, 1 to 1000.")
    factor: Decimal | None = strawberry.field(default=None, description="POINTS_MULTIPLIER: above 1, at most 100.")

    def to_domain(self) -> ActionInput:
        return ActionInput(
            type=ActionType(self.type.value),
            percent=self.percent,
            amount=self.amount,
            unit_price=self.unit_price,
            per_member_limit=self.per_member_limit,
            buy=self.buy,
            get=self.get,
            factor=self.factor,
        )


NAME = "Shown on the order lines it discounts; 1 to 100 characters."
PRIORITY = "Evaluation order, lower first: 0 to 1,000,000 (default 100)."
STACKABLE = "Combines with others (default); false: exclusive."
CURRENCY = (
    "ISO 4217 code of its amounts; needed for AMOUNT_OFF, FIXED_PRICE and `minSubtotal`. It then applies only "
    "to carts in that currency."
)
CONDITIONS = "When it applies; omitted: always."
ACTIVE = "Switched on (default true)."


def _maybe(value: Any) -> Any:
    """Omitted (None) keeps the stored value; given (even null) replaces it."""
    return KEEP if value is None else value.value


def _rule(i: Any, *, updating: bool) -> RuleChange:
    conditions = (
        i.conditions
        if not updating
        else (None if i.conditions is None else i.conditions.value or PromotionConditionsInput())
    )
    return RuleChange(
        name=i.name,
        priority=i.priority,
        stackable=i.stackable,
        currency=_maybe(i.currency) if updating else i.currency,
        conditions=conditions.to_domain() if conditions is not None else None,
        action=i.action.to_domain() if i.action is not None else None,
        is_active=i.is_active,
    )


@strawberry.input(description="A new promotion.")
class PromotionCreateInput:
    name: str = strawberry.field(description=NAME)
    action: PromotionActionInput = strawberry.field(description="What it does.")
    priority: int = strawberry.field(default=100, description=PRIORITY)
    stackable: bool = strawberry.field(default=True, description=STACKABLE)
    is_active: bool = strawberry.field(default=True, description=ACTIVE)
    starts_at: datetime | None = strawberry.field(
        default=None, description="Applies from this moment (with its time zone); omitted: at once."
    )
    ends_at: datetime | None = strawberry.field(
        default=None, description="Applies until just before this moment; omitted: no end."
    )
    currency: str | None = strawberry.field(default=None, description=CURRENCY)
    location_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A store's own promotion: applies "
        "only to that store's sales. Omitted: chain-wide (admins); "
        "a store manager's promotions are always their store's.",
    )
    conditions: PromotionConditionsInput | None = strawberry.field(default=None, description=CONDITIONS)

    def to_command(self) -> admin.PromotionChange:
        return admin.PromotionChange(
            rule=_rule(self, updating=False),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            location_id=_location(self.location_id) if self.location_id is not None else KEEP,
        )


def _location(global_id: strawberry.ID | None) -> int | None:
    return None if global_id is None else key_of(global_id, "Location")


@strawberry.input(description="Changes to a promotion; omitted fields stay as they are.")
class PromotionUpdateInput:
    name: str | None = strawberry.field(default=None, description=NAME)
    priority: int | None = strawberry.field(default=None, description=PRIORITY)
    stackable: bool | None = strawberry.field(default=None, description=STACKABLE)
    is_active: bool | None = strawberry.field(default=None, description="Switch it on or off.")
    starts_at: strawberry.Maybe[datetime | None] = strawberry.field(description="Reschedule its start; null: at once.")
    ends_at: strawberry.Maybe[datetime | None] = strawberry.field(description="Reschedule its end; null: no end.")
    currency: strawberry.Maybe[str | None] = strawberry.field(description=CURRENCY + " Null clears it.")
    location_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Admins: move it to a store, or null for chain-wide."
    )
    conditions: strawberry.Maybe[PromotionConditionsInput | None] = strawberry.field(
        description="The new conditions, replacing the old ones whole; null: none."
    )
    action: PromotionActionInput | None = strawberry.field(
        default=None, description="The new action, replacing the old one whole."
    )

    def to_command(self, promotion_id: int) -> admin.PromotionChange:
        return admin.PromotionChange(
            rule=_rule(self, updating=True),
            promotion_id=promotion_id,
            starts_at=_maybe(self.starts_at),
            ends_at=_maybe(self.ends_at),
            location_id=KEEP if self.location_id is None else _location(self.location_id.value),
        )


@strawberry.input(description="Which promotions to list; every filter given must hold.")
class PromotionFilter:
    is_active: bool | None = strawberry.field(default=None, description="Only switched on (true) or off (false).")
    status: PromotionStatus | None = strawberry.field(default=None, description="Only promotions in this state now.")
    running_at: datetime | None = strawberry.field(
        default=None, description="Only promotions that run at this moment (active and inside their window)."
    )
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Only this store's own promotions.")


VALIDITY = (
    " Either fixed dates (`validFrom`/`validUntil`) or `validDays`, optionally with a `validUntil` that ends "
    "the campaign."
)
CAMPAIGN_CODE = (
    "The public code members claim with (what a QR code carries): 3 to 32 letters, digits, '_' or "
    "'-', stored upper-case, unique (DUPLICATE)."
)


@strawberry.input(description="A new coupon template (campaign)." + VALIDITY)
class CouponTemplateCreateInput:
    name: str = strawberry.field(description=NAME)
    action: PromotionActionInput = strawberry.field(description="What its coupons do.")
    priority: int = strawberry.field(default=100, description=PRIORITY)
    stackable: bool = strawberry.field(default=True, description=STACKABLE)
    is_active: bool = strawberry.field(default=True, description=ACTIVE)
    currency: str | None = strawberry.field(default=None, description=CURRENCY)
    conditions: PromotionConditionsInput | None = strawberry.field(default=None, description=CONDITIONS)
    campaign_code: str | None = strawberry.field(
        default=None, description=CAMPAIGN_CODE + " Omitted: issued by staff only."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Coupons are valid from this moment.")
    valid_until: datetime | None = strawberry.field(
        default=None, description="Coupons are valid until just before this moment, and none are issued after it."
    )
    valid_days: int | None = strawberry.field(
        default=None, description="Coupons are valid for this many days from when each is issued, 1 to 3650."
    )
    total_quantity: int | None = strawberry.field(
        default=None, description="How many coupons the campaign has; omitted: unlimited."
    )
    per_member_limit: int = strawberry.field(
        default=1, description="How many coupons one member may hold, 1 to 1000 (default 1)."
    )
    redeemable_at: CouponRedeemChannel = strawberry.field(
        default=CouponRedeemChannel.ANYWHERE, description="Where its coupons can be redeemed (default ANYWHERE)."
    )

    def to_command(self) -> admin.TemplateChange:
        return admin.TemplateChange(
            rule=_rule(self, updating=False),
            campaign_code=self.campaign_code,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            valid_days=self.valid_days,
            total_quantity=self.total_quantity,
            per_member_limit=self.per_member_limit,
            redeemable_at=RedeemWhere(self.redeemable_at.value),
        )


@strawberry.input(
    description="Changes to a coupon template; omitted fields stay as they are. Coupons already "
    "issued keep their code and validity."
)
class CouponTemplateUpdateInput:
    name: str | None = strawberry.field(default=None, description=NAME)
    priority: int | None = strawberry.field(default=None, description=PRIORITY)
    stackable: bool | None = strawberry.field(default=None, description=STACKABLE)
    is_active: bool | None = strawberry.field(
        default=None,
        description="Switch the campaign on or off (off: nothing is issued and its coupons cannot be used).",
    )
    currency: strawberry.Maybe[str | None] = strawberry.field(description=CURRENCY + " Null clears it.")
    conditions: strawberry.Maybe[PromotionConditionsInput | None] = strawberry.field(
        description="The new conditions, replacing the old ones whole; null: none."
    )
    action: PromotionActionInput | None = strawberry.field(
        default=None, description="The new action, replacing the old one whole."
    )
    campaign_code: strawberry.Maybe[str | None] = strawberry.field(description=CAMPAIGN_CODE + " Null: no code.")
    valid_from: strawberry.Maybe[datetime | None] = strawberry.field(
        description="Coupons are valid from; null clears it."
    )
    valid_until: strawberry.Maybe[datetime | None] = strawberry.field(
        description="Coupons are valid until; null clears it."
    )
    valid_days: strawberry.Maybe[int | None] = strawberry.field(
        description="Days each coupon is valid, 1 to 3650; null: fixed dates."
    )
    total_quantity: strawberry.Maybe[int | None] = strawberry.field(
        description="How many coupons the campaign has, at least `issuedCount`; null: unlimited."
    )
    per_member_limit: int | None = strawberry.field(
        default=None, description="How many coupons one member may hold, 1 to 1000."
    )
    redeemable_at: CouponRedeemChannel | None = strawberry.field(
        default=None, description="Where its coupons can be redeemed."
    )

    def to_command(self, template_id: int) -> admin.TemplateChange:
        return admin.TemplateChange(
            rule=_rule(self, updating=True),
            template_id=template_id,
            campaign_code=_maybe(self.campaign_code),
            valid_from=_maybe(self.valid_from),
            valid_until=_maybe(self.valid_until),
            valid_days=_maybe(self.valid_days),
            total_quantity=_maybe(self.total_quantity),
            per_member_limit=self.per_member_limit,
            redeemable_at=RedeemWhere(self.redeemable_at.value) if self.redeemable_at is not None else None,
        )


@strawberry.input(description="Which coupon templates to list.")
class CouponTemplateFilter:
    is_active: bool | None = strawberry.field(default=None, description="Only switched on (true) or off (false).")


@strawberry.input(
    description="Whom to give a coupon of a template: members by id, every member with a tag, or both "
    "(each member once). At most 10,000 members per call."
)
class CouponIssueInput:
    template_id: strawberry.ID = strawberry.field(description="The coupon template (campaign).")
    member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These members (unknown ids: NOT_FOUND at their position)."
    )
    tag: str | None = strawberry.field(default=None, description="Every member with this tag.")

    def to_command(self, staff_id: int | None) -> issuing.IssueCommand:
        return issuing.IssueCommand(
            template_id=key_of(self.template_id, "CouponTemplate"),
            member_ids=[key_of(m, "Member") for m in self.member_ids or ()],
            tag=self.tag,
            staff_id=staff_id,
        )


@strawberry.input(description="Where and for what a till writes a coupon off.")
class CouponRedeemInput:
    order_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Refused (COUPON_NOT_APPLICABLE): "
        "an order keeps the price it was placed at; apply the coupon "
        "to the till cart before checkout.",
    )
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="The store; defaults to the cashier's own (staff who work everywhere must give it)."
    )
