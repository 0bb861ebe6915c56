"""Invariants of the promotion engine over generated carts and promotions (hypothesis):

1. every line's discounts are each positive and together at most its gross, in minor units;
2. what the lines show equals what the applied promotions report;
3. an `AmountOff` takes exactly min(amount, eligible remaining), in minor units;
4. the same cart prices the same way whatever order its lines and promotions come in;
5. totals are never negative and total == subtotal - discountTotal - pointsDiscount + shipping.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory.model import FulfilmentMethod
from domain.money import MINOR_UNITS, quantum
from domain.orders.pricing import PointsRule, ShippingRule, compute_totals
from domain.promotions import (
    Action,
    AmountOff,
    BuyXGetY,
    CartContext,
    CartItem,
    Conditions,
    FixedPrice,
    FreeShipping,
    PercentOff,
    PointsMultiplier,
    PricingResult,
    Promotion,
    PromotionSource,
    price_cart,
    spread,
)

NOW = datetime(2025, 11, 11, tzinfo=UTC)
CURRENCIES = ("CNY", "JPY", "KWD")
IDS = st.integers(1, 4)


def money(currency: str, max_minor: int = 200_000) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_minor).map(lambda n: Decimal(n).scaleb(-MINOR_UNITS[currency]))


def percent() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 10_000).map(lambda n: Decimal(n).scaleb(-2))  # 0.01 .. 100.00


@st.composite
def carts(draw: st.DrawFn, currency: str | None = None) -> CartContext:
    currency = currency or draw(st.sampled_from(CURRENCIES))
    keys = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=6, unique=True))
    lines = tuple(
        CartItem(
            key,
            draw(IDS),
            draw(IDS),
            draw(st.frozensets(IDS, max_size=2)),
            draw(st.integers(1, 6)),
            draw(money(currency, 50_000)),
        )
        for key in keys
    )
    bought = draw(st.dictionaries(st.tuples(IDS, IDS), st.integers(0, 4), max_size=4))
    return CartContext(
        currency,
        draw(IDS),
        draw(st.frozensets(st.sampled_from(["vip", "new"]))),
        draw(st.none() | IDS),
        draw(st.booleans()),
        NOW,
        lines,
        bought,
    )


@st.composite
def conditions(draw: st.DrawFn, currency: str) -> Conditions:
    maybe_ids = st.none() | st.frozensets(IDS, min_size=1, max_size=2)
    return Conditions(
        channel_ids=draw(maybe_ids),
        member_tags_any=draw(st.none() | st.just(frozenset({"vip"}))),
        starts_at=draw(st.none() | st.sampled_from([NOW - timedelta(days=1), NOW, NOW + timedelta(seconds=1)])),
        ends_at=draw(st.none() | st.sampled_from([NOW, NOW + timedelta(days=1)])),
        min_subtotal=draw(st.none() | money(currency, 100_000)),
        product_ids=draw(maybe_ids),
        category_ids=draw(maybe_ids),
        variant_ids=draw(maybe_ids),
        first_order_only=draw(st.booleans()),
    )


def actions(currency: str) -> st.SearchStrategy[Action]:
    return st.one_of(
        st.builds(PercentOff, percent()),
        st.builds(AmountOff, money(currency, 100_000)),
        st.builds(FixedPrice, money(currency, 20_000), st.none() | st.integers(1, 5)),
        st.builds(BuyXGetY, st.integers(1, 3), st.integers(1, 2), percent()),
        st.just(FreeShipping()),
        st.builds(PointsMultiplier, st.sampled_from([Decimal("1.5"), Decimal(2), Decimal(3)])),
    )


@st.composite
def promotion_lists(draw: st.DrawFn, currency: str) -> list[Promotion]:
    ids = draw(st.lists(st.integers(1, 50), max_size=6, unique=True))
    scoped = st.builds(Conditions, category_ids=st.frozensets(IDS, min_size=1, max_size=2))
    return [
        Promotion(
            pid,
            f"P{pid}",
            draw(st.integers(0, 3)),
            draw(st.booleans()),
            draw(st.just(Conditions()) | scoped | conditions(currency)),
            draw(actions(currency)),
            draw(st.sampled_from([None, currency])),
            draw(st.sampled_from(PromotionSource)),
            f"CODE{pid}",
        )
        for pid in ids
    ]


@st.composite
def priced(draw: st.DrawFn) -> tuple[CartContext, list[Promotion], PricingResult]:
    cart = draw(carts())
    promotions = draw(promotion_lists(cart.currency))
    return cart, promotions, price_cart(cart, promotions)


@settings(max_examples=150)
@given(priced())
def test_every_line_discount_is_positive_and_at_most_its_gross(
    case: tuple[CartContext, list[Promotion], PricingResult],
) -> None:
    cart, _, result = case
    q = quantum(cart.currency)
    for line in result.lines:
        assert all(d.amount > 0 and d.amount == d.amount.quantize(q) for d in line.discounts)
        assert sum((d.amount for d in line.discounts), Decimal(0)) <= line.gross
        assert line.total >= 0


@settings(max_examples=150)
@given(priced())
def test_line_discounts_add_up_to_the_applied_promotions(
    case: tuple[CartContext, list[Promotion], PricingResult],
) -> None:
    _, promotions, result = case
    per_label: dict[str, Decimal] = {}
    for line in result.lines:
        for d in line.discounts:
            per_label[d.label] = per_label.get(d.label, Decimal(0)) + d.amount
    assert sum(per_label.values(), Decimal(0)) == sum((a.amount for a in result.applied), Decimal(0))
    assert result.discount_total == sum((a.amount for a in result.applied), Decimal(0))
    labels = {a.label for a in result.applied if a.amount}
    assert set(per_label) == labels
    assert result.points_multiplier >= 1
    assert len(result.applied) <= len(promotions)


@settings(max_examples=300)
@given(st.data())
def test_an_amount_off_takes_exactly_what_it_can(data: st.DataObject) -> None:
    cart = data.draw(carts())
    amount = data.draw(money(cart.currency, 300_000))
    scope = data.draw(st.none() | st.frozensets(IDS, min_size=1))
    promotion = Promotion(1, "Off", 0, True, Conditions(category_ids=scope), AmountOff(amount), cart.currency)
    result = price_cart(cart, [promotion])
    eligible = sum(
        (i.unit_price * i.quantity for i in cart.lines if scope is None or i.category_ids & scope), Decimal(0)
    )
    assert result.discount_total == min(amount, eligible)


@settings(max_examples=300)
@given(
    st.sampled_from(CURRENCIES).flatmap(
        lambda c: st.tuples(st.just(c), money(c), st.dictionaries(st.text("xyz", min_size=1), money(c), max_size=6))
    )
)
def test_spread_shares_sum_exactly_and_stay_within_each_weight(case: tuple[str, Decimal, dict[str, Decimal]]) -> None:
    currency, amount, weights = case
    shares = spread(amount, weights, currency)
    assert set(shares) == set(weights)
    assert sum(shares.values(), Decimal(0)) == min(amount, sum(weights.values(), Decimal(0)))
    assert all(Decimal(0) <= shares[k] <= weights[k] for k in weights)


@settings(max_examples=150)
@given(priced(), st.randoms(use_true_random=False))
def test_the_same_cart_always_prices_the_same_way(
    case: tuple[CartContext, list[Promotion], PricingResult], rnd: random.Random
) -> None:
    cart, promotions, result = case
    lines, shuffled = list(cart.lines), list(promotions)
    rnd.shuffle(lines)
    rnd.shuffle(shuffled)
    again = price_cart(
        CartContext(
            cart.currency,
            cart.channel_id,
            cart.member_tags,
            cart.member_id,
            cart.is_first_order,
            cart.now,
            tuple(lines),
            dict(cart.already_bought),
        ),
        shuffled,
    )
    assert {line.key: line for line in again.lines} == {line.key: line for line in result.lines}
    assert (again.applied, again.free_shipping, again.points_multiplier) == (
        result.applied,
        result.free_shipping,
        result.points_multiplier,
    )


@settings(max_examples=150)
@given(priced(), st.data())
def test_totals_are_never_negative_and_add_up(
    case: tuple[CartContext, list[Promotion], PricingResult], data: st.DataObject
) -> None:
    cart, _, result = case
    shipping = ShippingRule(data.draw(money(cart.currency, 5_000)), data.draw(st.none() | money(cart.currency)))
    points = PointsRule(
        Decimal(1).scaleb(-MINOR_UNITS[cart.currency]),
        data.draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)])),
    )
    method = data.draw(st.none() | st.sampled_from(FulfilmentMethod))
    totals = compute_totals(
        result.lines,
        cart.currency,
        method=method,
        shipping=shipping,
        points=points,
        points_requested=data.draw(st.integers(0, 10**7)),
        free_shipping=result.free_shipping,
    )
    for amount in (totals.subtotal, totals.discount_total, totals.points_discount, totals.shipping, totals.total):
        assert amount >= 0
    assert totals.total == totals.subtotal - totals.discount_total - totals.points_discount + totals.shipping
    assert totals.discount_total <= totals.subtotal
    if result.free_shipping:
        assert totals.shipping == 0
