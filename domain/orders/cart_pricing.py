"""A cart's prices with its promotions and coupon: what a cart shows and what checkout charges.

    running promotions + the cart's coupon (when usable) -> the promotion engine -> totals

Both a cart read and `checkoutComplete` call `price_cart_lines`, so the two can never disagree.
The facts the engine needs come through `PricingSource` (one batched query each): the running
promotions, each variant's product and categories (with their ancestors, so a promotion on
"Shoes" covers "Running shoes"), and the member's tags, first-order flag and flash-sale
purchases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.errors import Code, DomainError
from domain.inventory.model import FulfilmentMethod
from domain.orders.cart_rules import DEFAULT_RULES, CartLineState, CartState, ChannelInfo, PricingRules, priced_lines
from domain.orders.pricing import Totals, compute_totals
from domain.promotions import CartContext, CartItem, PricingResult, Promotion, PromotionSource, price_cart
from domain.promotions.coupons import (
    CouponInfo,
    TemplateInfo,
    check_channel,
    check_usable,
    coupon_rule,
    not_applicable_reason,
)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What promotions may ask about the buyer. A guest has no tags and, since nobody can tell
    whether they bought before, gets no first-order promotions."""

    tags: frozenset[str] = frozenset()
    is_first_order: bool = False
    already_bought: Mapping[tuple[int, int], int] | None = None


class PricingSource(Protocol):
    async def running_promotions(self, now: datetime) -> list[Promotion]:
        """Active promotions whose window contains `now` (the engine checks every other condition)."""
        ...

    async def catalogue_facts(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
        """variant id -> (product id, the product's category and all its ancestors)."""
        ...

    async def member_facts(self, member_id: int, promotion_ids: Sequence[int]) -> MemberFacts: ...
    async def coupon(self, code: str) -> tuple[CouponInfo, TemplateInfo] | None: ...


@dataclass(frozen=True, slots=True)
class CartPricing:
    totals: Totals
    result: PricingResult
    coupon: CouponInfo | None = None  # the cart's coupon, when it took something off
    coupon_error: DomainError | None = None  # why the cart's coupon takes nothing off, when it does not


async def usable_coupon(
    source: PricingSource, cart: CartState, channel_id: int, now: datetime, field: list[str]
) -> tuple[CouponInfo, TemplateInfo]:
    """The cart's member's coupon with `cart.coupon_code`, or why it cannot be used on this cart."""
    found = await source.coupon(cart.coupon_code or "")
    if found is None or cart.member_id is None or found[0].member_id != cart.member_id:
        raise DomainError(Code.COUPON_INVALID, "No such coupon for this member.", field)
    coupon, template = found
    check_usable(coupon, template, now, at_till=cart.at_till, field=field)
    check_channel(template, channel_id, field)
    return coupon, template


async def price_cart_lines(
    source: PricingSource,
    cart: CartState,
    lines: Sequence[CartLineState],
    prices: Mapping[int, Decimal],
    channel: ChannelInfo,
    method: FulfilmentMethod | None,
    *,
    now: datetime,
    rules: PricingRules = DEFAULT_RULES,
) -> CartPricing:
    """Price the cart's available lines (`prices` holds the channel's price of each one it sells)
    for `method` (shipping depends on it)."""
    priced = priced_lines(lines, prices)
    promotions = [
        p
        for p in await source.running_promotions(now)
        if p.conditions.channel_ids is None or channel.id in p.conditions.channel_ids
    ]
    coupon: tuple[CouponInfo, TemplateInfo] | None = None
    problem: DomainError | None = None
    if cart.coupon_code:
        try:
            coupon = await usable_coupon(source, cart, channel.id, now, ["cartId"])
        except DomainError as error:
            problem = error
    if coupon is not None:
        promotions.append(coupon_rule(coupon[1], coupon[0]))

    facts = MemberFacts()
    if cart.member_id is not None and priced and promotions:  # nothing asks about the buyer otherwise
        facts = await source.member_facts(
            cart.member_id, [p.id for p in promotions if p.source is PromotionSource.PROMOTION]
        )
    # a line's product and categories matter only to a promotion scoped by them (a statement saved otherwise)
    looked_up = priced and any(p.conditions.reads_catalogue for p in promotions)
    catalogue = await source.catalogue_facts([ln.variant_id for ln in priced]) if looked_up else {}
    items = tuple(
        CartItem(ln.key, ln.variant_id, *catalogue.get(ln.variant_id, (0, frozenset())), ln.quantity, ln.unit_price)
        for ln in priced
    )
    context = CartContext(
        channel.currency,
        channel.id,
        facts.tags,
        cart.member_id,
        facts.is_first_order,
        now,
        items,
        facts.already_bought or {},
        location_id=cart.location_id if cart.at_till else cart.pickup_location_id,
    )
    result = price_cart(context, promotions)
    points = cart.points if cart.member_id is not None else 0
    totals = compute_totals(
        result.lines,
        channel.currency,
        method=method,
        shipping=rules.shipping(channel),
        points=rules.points(channel),
        points_requested=points,
        free_shipping=result.free_shipping,
    )
    applied = None
    if coupon is not None:
        if any(a.source is PromotionSource.COUPON for a in result.applied):
            applied = coupon[0]
        else:
            problem = DomainError(
                Code.COUPON_NOT_APPLICABLE, not_applicable_reason(coupon_rule(coupon[1], coupon[0])), ["cartId"]
            )
    return CartPricing(totals, result, applied, problem)
