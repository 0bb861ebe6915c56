"""The promotion engine: prices a cart with its promotions and coupons, purely and deterministically.

`price_cart(cart, promotions)` is a function of its arguments only (no clock, no I/O): the same
cart and the same promotions, in any order, give the same result line by line. The rules:

1. **Order.** Promotions are evaluated by `(priority, source, id)`: lower priority first, a
   promotion before a coupon at equal priority, then by id. Lines are always visited by key,
   never in the order they were given.
2. **Stacking.** A promotion *applies* when its conditions hold and it has an effect (it takes
   money off at least one line, or grants free shipping, or a points multiplier). An exclusive
   promotion (`stackable=False`) is skipped when anything applied before it, and once it applies
   nothing after it is evaluated; stackable promotions combine with each other.
3. **Remaining amounts.** Each promotion works on what is left of every line after the ones
   evaluated before it, so no line ever goes below zero and `min_subtotal` is compared with the
   eligible lines' remaining amount (inclusive).
4. **Rounding.** All arithmetic is exact (integers of minor units and fractions); each
   per-line discount is then rounded half-up to the currency's minor unit (CNY 0.01, JPY 1),
   and can never exceed what remains of the line.
5. **Spreading.** An order-level `AmountOff` takes `min(amount, eligible remaining)` (the amount
   first rounded down to the minor unit), shared pro rata to the lines' remaining amounts, each
   share rounded down; the leftover minor units go one each to the lines with the largest
   remaining amount, ties by line key. The shares sum exactly to the amount taken.
6. **Flash sale.** `FixedPrice` brings eligible units down to its unit price, at most
   `per_member_limit - already_bought[(promotion id, variant id)]` units per variant, allotted to
   lines by key; units already at or below the price are untouched and use none of the limit.
   A limited one is for members only (`Promotion.members_only`) unless its conditions say not.
7. **Buy X get Y.** Of all eligible units, `(units // (buy + get)) * get` are discounted, always
   the cheapest by remaining unit amount (ties by line key).
8. **Shipping and points.** Any applicable `FreeShipping` makes the order ship free; applicable
   `PointsMultiplier`s do not compound: the largest factor wins (1 when none applies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from domain.money import MINOR_UNITS
from domain.orders.pricing import Discount, PricedLine
from domain.promotions.model import (
    AmountOff,
    AppliedPromotion,
    BuyXGetY,
    CartContext,
    CartItem,
    FixedPrice,
    FreeShipping,
    PercentOff,
    PointsMultiplier,
    PricingResult,
    Promotion,
    PromotionSource,
)

_HUNDRED = Fraction(100)


def price_cart(cart: CartContext, promotions: Iterable[Promotion]) -> PricingResult:
    """Apply `promotions` (in any order) to `cart`; see the module docstring for the rules.

    Raises `ValueError` for carts the caller should never build: an unknown currency, duplicate
    line keys, a quantity below one, a negative price or one finer than the currency's minor
    unit, or two promotions with the same `(priority, source, id)`.
    """
    exponent = _exponent(cart.currency)
    items = _checked_items(cart, exponent)
    remaining = {item.key: _to_minor(item.unit_price * item.quantity, exponent) for item in items}
    taken: dict[str, list[Discount]] = {item.key: [] for item in items}
    applied: list[AppliedPromotion] = []
    free_shipping = False
    multiplier = Decimal(1)

    for promotion in _ordered(promotions):
        if applied and not promotion.stackable:
            continue  # an exclusive promotion combines with nothing evaluated before it
        eligible = _eligible(promotion, cart, items, remaining, exponent)
        if not eligible:
            continue
        action = promotion.action
        units: dict[int, int] = {}
        if isinstance(action, FreeShipping):
            free_shipping = True
            discounts: dict[str, int] = {}
        elif isinstance(action, PointsMultiplier):
            multiplier = max(multiplier, action.factor)
            discounts = {}
        else:
            discounts = {
                k: v for k, v in _discounts(promotion, cart, eligible, remaining, exponent, units).items() if v > 0
            }
            if not discounts:
                continue  # no effect: it does not apply, so it blocks nothing either
        for key, minor in sorted(discounts.items()):
            remaining[key] -= minor
            taken[key].append(Discount(promotion.label, _from_minor(minor, exponent)))
        amount = _from_minor(sum(discounts.values()), exponent)
        applied.append(
            AppliedPromotion(
                promotion.id, promotion.name, promotion.label, promotion.source, amount, tuple(sorted(units.items()))
            )
        )
        if not promotion.stackable:
            break  # an exclusive promotion that applies stops every later one

    lines = tuple(
        PricedLine(item.key, item.variant_id, item.quantity, item.unit_price, tuple(taken[item.key]))
        for item in cart.lines
    )
    return PricingResult(cart.currency, lines, free_shipping, multiplier, tuple(applied))


def spread(amount: Decimal, over: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """Share `amount` over the keys of `over` pro rata to their amounts (rule 5 of the module
    docstring), never more than their total: the same split an `AmountOff` makes. Every key of
    `over` is in the result, with zero when it gets nothing."""
    exponent = _exponent(currency)
    weights = {key: _to_minor(value, exponent) for key, value in over.items()}
    if any(w < 0 for w in weights.values()):
        raise ValueError("cannot spread over negative amounts")
    shares = _spread(_floor_minor(amount, exponent), weights)
    return {key: _from_minor(shares.get(key, 0), exponent) for key in over}


# --- conditions ----------------------------------------------------------------------------------


def _eligible(
    promotion: Promotion, cart: CartContext, items: list[CartItem], remaining: Mapping[str, int], exponent: int
) -> list[CartItem]:
    """The lines `promotion` may work on, by key; empty when any of its conditions fails."""
    c = promotion.conditions
    if promotion.currency is not None and promotion.currency != cart.currency:
        return []
    if c.channel_ids is not None and cart.channel_id not in c.channel_ids:
        return []
    if c.member_tags_any is not None and c.member_tags_any.isdisjoint(cart.member_tags):
        return []
    if (c.starts_at is not None and cart.now < c.starts_at) or (c.ends_at is not None and cart.now >= c.ends_at):
        return []
    if c.first_order_only and not cart.is_first_order:
        return []
    if promotion.members_only and cart.member_id is None:
        return []
    if c.location_ids is not None and cart.location_id not in c.location_ids:
        return []
    eligible = [item for item in items if c.in_scope(item)]
    if c.min_subtotal is not None:
        subtotal = sum(remaining[item.key] for item in eligible)
        if Fraction(subtotal) < Fraction(c.min_subtotal) * 10**exponent:
            return []
    return eligible


# --- actions -------------------------------------------------------------------------------------


def _discounts(
    promotion: Promotion,
    cart: CartContext,
    eligible: list[CartItem],
    remaining: Mapping[str, int],
    exponent: int,
    units: dict[int, int],
) -> dict[str, int]:
    """Minor units `promotion` takes off each eligible line, each at most what remains of it
    (a limited `FixedPrice` also counts into `units` the units it sold at its price)."""
    action = promotion.action
    if isinstance(action, PercentOff):
        rate = Fraction(action.percent) / _HUNDRED
        return {item.key: min(remaining[item.key], _half_up(remaining[item.key] * rate)) for item in eligible}
    if isinstance(action, AmountOff):
        return _spread(_floor_minor(action.amount, exponent), {item.key: remaining[item.key] for item in eligible})
    if isinstance(action, FixedPrice):
        return _fixed_price(promotion, action, cart, eligible, remaining, exponent, units)
    if isinstance(action, BuyXGetY):
        return _buy_x_get_y(action, eligible, remaining)
    return {}


def _spread(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Rule 5: pro rata shares rounded down, leftover units to the largest weights (ties by key)."""
    total = sum(weights.values())
    amount = min(max(amount, 0), total)
    if amount == 0:
        return {}
    shares = {key: amount * weight // total for key, weight in weights.items()}
    leftover = amount - sum(shares.values())
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        if leftover == 0:
            break
        if shares[key] < weights[key]:
            shares[key] += 1
            leftover -= 1
    return shares


def _fixed_price(
    promotion: Promotion,
    action: FixedPrice,
    cart: CartContext,
    eligible: list[CartItem],
    remaining: Mapping[str, int],
    exponent: int,
    units_sold: dict[int, int],
) -> dict[str, int]:
    """Rule 6: `n` units of a line cost `unit_price` each instead of their share of what remains."""
    price = Fraction(action.unit_price) * 10**exponent
    allowance: dict[int, int] = {}
    result: dict[str, int] = {}
    for item in eligible:
        left = remaining[item.key]
        unit_value = Fraction(left, item.quantity)
        if unit_value <= price:
            continue
        if action.per_member_limit is None:
            units = item.quantity
        else:
            if item.variant_id not in allowance:
                bought = 0
                if promotion.source is PromotionSource.PROMOTION:
                    bought = cart.already_bought.get((promotion.id, item.variant_id), 0)
                allowance[item.variant_id] = max(0, action.per_member_limit - bought)
            units = min(item.quantity, allowance[item.variant_id])
            allowance[item.variant_id] -= units
            if units:
                units_sold[item.variant_id] = units_sold.get(item.variant_id, 0) + units
        result[item.key] = min(left, _half_up(units * (unit_value - price)))
    return result


def _buy_x_get_y(action: BuyXGetY, eligible: list[CartItem], remaining: Mapping[str, int]) -> dict[str, int]:
    """Rule 7: the cheapest `get` of every `buy + get` eligible units are `percent` off."""
    if action.buy < 1 or action.get < 1:
        return {}
    free = sum(item.quantity for item in eligible) // (action.buy + action.get) * action.get
    rate = Fraction(action.percent) / _HUNDRED
    result: dict[str, int] = {}
    for item in sorted(eligible, key=lambda i: (Fraction(remaining[i.key], i.quantity), i.key)):
        if free == 0:
            break
        units = min(item.quantity, free)
        free -= units
        left = remaining[item.key]
        result[item.key] = min(left, _half_up(units * Fraction(left, item.quantity) * rate))
    return result


# --- plumbing ------------------------------------------------------------------------------------


def _ordered(promotions: Iterable[Promotion]) -> list[Promotion]:
    ordered = sorted(promotions, key=lambda p: p.sort_key)
    for before, after in pairwise(ordered):
        if before.sort_key == after.sort_key:
            raise ValueError(f"two promotions share priority, source and id {after.sort_key}")
    return ordered


def _checked_items(cart: CartContext, exponent: int) -> list[CartItem]:
    keys = [item.key for item in cart.lines]
    if len(set(keys)) != len(keys):
        raise ValueError("cart line keys must be unique")
    for item in cart.lines:
        if item.quantity < 1:
            raise ValueError(f"line {item.key}: quantity must be at least 1")
        if item.unit_price < 0:
            raise ValueError(f"line {item.key}: unit price cannot be negative")
        _to_minor(item.unit_price, exponent)
    return sorted(cart.lines, key=lambda item: item.key)


def _exponent(currency: str) -> int:
    if currency not in MINOR_UNITS:
        raise ValueError(f"unknown currency {currency}")
    return MINOR_UNITS[currency]


def _to_minor(amount: Decimal, exponent: int) -> int:
    """An exact amount in minor units (1.50 CNY -> 150); refuses finer amounts."""
    minor = Fraction(amount) * 10**exponent
    if minor.denominator != 1:
        raise ValueError(f"{amount} has more than {exponent} decimal places")
    return int(minor)


def _floor_minor(amount: Decimal, exponent: int) -> int:
    """Round down to the minor unit: a promotion never gives more than it states."""
    return int(Fraction(amount) * 10**exponent // 1)


def _from_minor(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def _half_up(value: Fraction) -> int:
    """Round a non-negative exact value half-up to a whole minor unit."""
    return int((2 * value.numerator + value.denominator) // (2 * value.denominator))
