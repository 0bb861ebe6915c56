"""Promotions and the carts they price: frozen values only, no behaviour beyond small helpers.

A `Promotion` is a rule: `Conditions` that decide whether (and to which lines) it applies and
one action (`PercentOff`, `AmountOff`, `FixedPrice`, `BuyXGetY`, `FreeShipping`,
`PointsMultiplier`). A coupon is the same thing with `source=COUPON` and a code, built by
`coupon_promotion`, so coupons go through exactly the same engine and spreading rules as
promotions; only their label ("Coupon WELCOME10") and their tie-break differ.

The engine (`domain.promotions.engine.price_cart`) takes a `CartContext` and the candidate
promotions and returns a `PricingResult` whose lines are `domain.orders.pricing.PricedLine`
values carrying one `Discount` per promotion that took money off them.

Money amounts (`AmountOff.amount`, `FixedPrice.unit_price`, `Conditions.min_subtotal`) are in
`Promotion.currency`; a promotion with a currency applies only to carts in that currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TypeAlias

from domain.orders.pricing import PricedLine


class PromotionSource(str, Enum):
    """Where a promotion comes from. At equal priority promotions are evaluated before coupons."""

    PROMOTION = "PROMOTION"
    COUPON = "COUPON"


# --- conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a promotion applies. Every condition given must hold; `None` means "no restriction".

    - `channel_ids`: the cart's channel is one of them.
    - `member_tags_any`: the member has at least one of these tags (a guest has none).
    - `starts_at` / `ends_at`: aware datetimes; the window is half-open, `starts_at <= now < ends_at`
      (the start instant is inside, the end instant is not).
    - `min_subtotal`: the eligible lines' remaining amount (after the promotions evaluated
      before this one) is at least this much (inclusive).
    - `product_ids` / `category_ids` / `variant_ids`: the scope. A line is eligible when it
      matches ANY of the sets given (union); all three `None` = the whole cart.
    - `first_order_only`: the buyer has no earlier order (`CartContext.is_first_order`).
    - `location_ids`: the sale is attributed to one of these stores (`CartContext.location_id`:
      the till's store, or the pickup store): a store's own promotion.
    - `members_only`: only a member's cart (`CartContext.member_id`); None = the default, members
      only exactly when the action has a per-member limit (a guest has no history to count it
      against, so a guest would get a flash-sale price on every order). See `Promotion.members_only`.
    """

    channel_ids: frozenset[int] | None = None
    member_tags_any: frozenset[str] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_subtotal: Decimal | None = None
    product_ids: frozenset[int] | None = None
    category_ids: frozenset[int] | None = None
    variant_ids: frozenset[int] | None = None
    first_order_only: bool = False
    location_ids: frozenset[int] | None = None
    members_only: bool | None = None

    @property
    def reads_catalogue(self) -> bool:
        """Whether the scope names products or categories: only then are a line's looked up."""
        return self.product_ids is not None or self.category_ids is not None

    @property
    def scoped(self) -> bool:
        return self.reads_catalogue or self.variant_ids is not None

    def in_scope(self, item: CartItem) -> bool:
        if not self.scoped:
            return True
        return (
            (self.product_ids is not None and item.product_id in self.product_ids)
            or (self.variant_ids is not None and item.variant_id in self.variant_ids)
            or (self.category_ids is not None and not self.category_ids.isdisjoint(item.category_ids))
        )


# --- actions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PercentOff:
    """`percent` (0 < p <= 100) off each eligible line's remaining amount, rounded half-up per line."""

    percent: Decimal


@dataclass(frozen=True, slots=True)
class AmountOff:
    """`amount` off the eligible lines together (an order-level discount), spread over them pro
    rata to their remaining amounts; never more than what remains of them."""

    amount: Decimal


@dataclass(frozen=True, slots=True)
class FixedPrice:
    """Flash-sale price: eligible units cost `unit_price` each, for at most `per_member_limit`
    units per variant per buyer, counting what the member already bought under this promotion
    (`CartContext.already_bought`). `None` = no limit. A limited flash sale is for members only
    unless its conditions say `members_only=False`; then a guest gets the limit within their cart."""

    unit_price: Decimal
    per_member_limit: int | None = None


@dataclass(frozen=True, slots=True)
class BuyXGetY:
    """For every `buy + get` eligible units in the cart, `get` units are `percent` off (100 =
    free). The discounted units are always the cheapest eligible units of the whole cart (by
    remaining unit amount, ties by line key), whichever lines they sit on."""

    buy: int
    get: int
    percent: Decimal = Decimal(100)


@dataclass(frozen=True, slots=True)
class FreeShipping:
    """The order ships free (`PricingResult.free_shipping`)."""


@dataclass(frozen=True, slots=True)
class PointsMultiplier:
    """Points earned on the order are multiplied by `factor` (> 1). Several applicable
    multipliers do not compound: the largest wins (`PricingResult.points_multiplier`)."""

    factor: Decimal


Action: TypeAlias = PercentOff | AmountOff | FixedPrice | BuyXGetY | FreeShipping | PointsMultiplier
MONEY_ACTIONS = (AmountOff, FixedPrice)


# --- promotions and coupons ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Promotion:
    """A rule the engine evaluates in `(priority, source, id)` order (lower priority first).

    `stackable=False` makes it exclusive: it applies only if nothing applied before it, and
    when it applies nothing after it is evaluated. Stackable promotions combine with each other.
    """

    id: int
    name: str
    priority: int
    stackable: bool
    conditions: Conditions
    action: Action
    currency: str | None = None
    source: PromotionSource = PromotionSource.PROMOTION
    code: str | None = None  # the coupon code, for `source=COUPON`

    @property
    def members_only(self) -> bool:
        """Whether a guest's cart is refused: as the conditions say, else when the limit is per member."""
        if self.conditions.members_only is not None:
            return self.conditions.members_only
        return isinstance(self.action, FixedPrice) and self.action.per_member_limit is not None

    @property
    def label(self) -> str:
        """What the order lines show: the promotion's name, or "Coupon <CODE>" for a coupon."""
        if self.source is PromotionSource.COUPON and self.code:
            return f"Coupon {self.code}"
        return self.name

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.priority, 0 if self.source is PromotionSource.PROMOTION else 1, self.id)


def normalize_code(code: str) -> str:
    """Coupon codes are compared trimmed and upper-case ("welcome10 " is WELCOME10)."""
    return code.strip().upper()


def coupon_promotion(template: Promotion, code: str) -> Promotion:
    """The promotion a redeemed coupon applies: its template's rule (`template.id` is the coupon
    template's id) labelled with the coupon's code. Coupons ignore `CartContext.already_bought`:
    a coupon is redeemed once, so a `FixedPrice` limit on it counts within the order only."""
    return replace(template, source=PromotionSource.COUPON, code=normalize_code(code))


def replace_window(promotion: Promotion, starts_at: datetime | None, ends_at: datetime | None) -> Promotion:
    return replace(promotion, conditions=replace(promotion.conditions, starts_at=starts_at, ends_at=ends_at))


# --- the cart being priced and the result ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CartItem:
    """A cart line: `unit_price` is the channel price, in the cart currency's minor units."""

    key: str
    variant_id: int
    product_id: int
    category_ids: frozenset[int]
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class CartContext:
    """Everything the engine may look at; `now` is passed in so pricing is reproducible.

    `already_bought[(promotion id, variant id)]` counts units the member bought earlier under a
    flash-sale promotion (the caller loads it for `member_id`; empty for a guest).
    """

    currency: str
    channel_id: int
    member_tags: frozenset[str]
    member_id: int | None
    is_first_order: bool
    now: datetime
    lines: tuple[CartItem, ...]
    already_bought: Mapping[tuple[int, int], int] = field(default_factory=dict)
    location_id: int | None = None


@dataclass(frozen=True, slots=True)
class AppliedPromotion:
    """A promotion that applied, and how much it took off in total (0 for shipping / points).
    `units` counts, per variant, the units a `FixedPrice` sold at its price (for its limit)."""

    id: int
    name: str
    label: str
    source: PromotionSource
    amount: Decimal
    units: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PricingResult:
    """Priced lines (in the cart's line order) plus the order-level effects, ready for
    `domain.orders.pricing.compute_totals(lines, ..., free_shipping=result.free_shipping)` and
    `domain.members.points.points_earned(..., multiplier=result.points_multiplier)`."""

    currency: str
    lines: tuple[PricedLine, ...]
    free_shipping: bool = False
    points_multiplier: Decimal = Decimal(1)
    applied: tuple[AppliedPromotion, ...] = ()

    @property
    def discount_total(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal(0))

    def line(self, key: str) -> PricedLine:
        return next(line for line in self.lines if line.key == key)
