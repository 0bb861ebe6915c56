"""The promotion engine without a database: each action, each condition, stacking and priority,
flash-sale limits, coupons, rounding in CNY and JPY, and the checks on an administrator's input."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import DomainError, DomainErrors
from domain.inventory.model import FulfilmentMethod
from domain.members.points import points_earned
from domain.orders.pricing import Discount, PointsRule, ShippingRule, compute_totals
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
    coupon_promotion,
    price_cart,
    spread,
    validate_promotion,
)

NOW = datetime(2025, 11, 11, 0, 0, tzinfo=UTC)
D = Decimal


def item(
    key: str,
    price: str,
    quantity: int = 1,
    *,
    variant: int = 0,
    product: int = 0,
    categories: frozenset[int] = frozenset(),
) -> CartItem:
    return CartItem(key, variant or ord(key[0]), product or ord(key[0]), categories, quantity, D(price))


def cart(
    *lines: CartItem,
    currency: str = "CNY",
    channel: int = 1,
    tags: frozenset[str] = frozenset(),
    member: int | None = 7,
    first: bool = False,
    now: datetime = NOW,
    bought: Mapping[tuple[int, int], int] | None = None,
) -> CartContext:
    return CartContext(currency, channel, tags, member, first, now, lines, bought or {})


def promo(
    pid: int,
    action: Action,
    *,
    name: str = "",
    priority: int = 0,
    stackable: bool = True,
    currency: str | None = "CNY",
    **conditions: Any,
) -> Promotion:
    return Promotion(pid, name or f"P{pid}", priority, stackable, Conditions(**conditions), action, currency)


def off(result: PricingResult) -> dict[str, list[tuple[str, Decimal]]]:
    """Per line key: the (label, amount) discounts, in the order they were taken."""
    return {line.key: [(d.label, d.amount) for d in line.discounts] for line in result.lines}


def taken(result: PricingResult) -> dict[str, Decimal]:
    return {line.key: line.discount for line in result.lines}


TEN_PERCENT = PercentOff(D(10))


# --- actions -------------------------------------------------------------------------------------


def test_percent_off_is_rounded_half_up_on_each_line() -> None:
    result = price_cart(cart(item("a", "3.33"), item("b", "1.10")), [promo(1, PercentOff(D(15)), name="Double 11")])
    assert off(result) == {"a": [("Double 11", D("0.50"))], "b": [("Double 11", D("0.17"))]}  # 0.4995, 0.165
    assert result.applied[0].amount == D("0.67")


def test_a_hundred_percent_off_makes_the_line_free_and_no_more() -> None:
    result = price_cart(cart(item("a", "19.99", 3)), [promo(1, PercentOff(D(100)))])
    assert result.lines[0].total == 0 and result.lines[0].discount == D("59.97")


def test_amount_off_is_spread_pro_rata_to_the_lines() -> None:
    result = price_cart(
        cart(item("a", "60.00"), item("b", "10.00", 3), item("c", "10.00")), [promo(1, AmountOff(D("10.00")))]
    )
    assert taken(result) == {"a": D("6.00"), "b": D("3.00"), "c": D("1.00")}


def test_amount_off_remainder_cents_go_to_the_largest_lines_first() -> None:
    # 0.07 over 5.00 / 3.00 / 2.00: 0.035, 0.021, 0.014 round down to 3, 2, 1 cents; the spare cent goes to "a"
    result = price_cart(cart(item("a", "5.00"), item("b", "3.00"), item("c", "2.00")), [promo(1, AmountOff(D("0.07")))])
    assert taken(result) == {"a": D("0.04"), "b": D("0.02"), "c": D("0.01")}


def test_amount_off_remainder_ties_go_by_line_key() -> None:
    result = price_cart(cart(item("c", "1.00"), item("b", "1.00"), item("a", "1.00")), [promo(1, AmountOff(D("1.00")))])
    assert taken(result) == {"a": D("0.34"), "b": D("0.33"), "c": D("0.33")}


def test_amount_off_never_takes_more_than_the_eligible_lines_are_worth() -> None:
    result = price_cart(cart(item("a", "20.00"), item("b", "10.00")), [promo(1, AmountOff(D("50.00")))])
    assert taken(result) == {"a": D("20.00"), "b": D("10.00")}
    assert result.applied[0].amount == D("30.00")


def test_flash_sale_prices_eligible_units_at_the_fixed_price() -> None:
    result = price_cart(
        cart(item("a", "99.00", 2), item("b", "5.00")),
        [promo(1, FixedPrice(D("49.00")), variant_ids=frozenset({ord("a")}))],
    )
    assert taken(result) == {"a": D("100.00"), "b": D("0.00")}
    assert result.line("a").total == D("98.00")


def test_flash_sale_limit_counts_what_the_member_already_bought() -> None:
    flash = promo(5, FixedPrice(D("49.00"), per_member_limit=2))
    result = price_cart(cart(item("a", "99.00", 3), bought={(5, ord("a")): 1}), [flash])
    assert taken(result) == {"a": D("50.00")}  # one unit left under the limit


def test_flash_sale_limit_used_up_means_full_price_and_not_applied() -> None:
    flash = promo(5, FixedPrice(D("49.00"), per_member_limit=2))
    result = price_cart(cart(item("a", "99.00", 3), bought={(5, ord("a")): 2}), [flash])
    assert taken(result) == {"a": D("0.00")} and result.applied == ()


def test_a_per_member_limit_makes_the_flash_sale_members_only() -> None:
    flash = promo(5, FixedPrice(D("49.00"), per_member_limit=2))
    assert flash.members_only
    result = price_cart(cart(item("a", "99.00", 5), member=None), [flash])
    assert taken(result) == {"a": D("0.00")} and result.applied == ()


def test_a_flash_sale_open_to_guests_gives_them_the_limit_within_the_cart() -> None:
    flash = promo(5, FixedPrice(D("49.00"), per_member_limit=2), members_only=False)
    result = price_cart(cart(item("a", "99.00", 5), member=None), [flash])
    assert taken(result) == {"a": D("100.00")}


@pytest.mark.parametrize(
    ("action", "members_only", "expected"),
    [
        (FixedPrice(D("49.00")), None, False),
        (TEN_PERCENT, None, False),
        (TEN_PERCENT, True, True),
        (FixedPrice(D("49.00"), per_member_limit=1), None, True),
        (FixedPrice(D("49.00"), per_member_limit=1), False, False),
    ],
)
def test_members_only_is_explicit_or_follows_a_per_member_limit(
    action: Action, members_only: bool | None, expected: bool
) -> None:
    rule = promo(1, action, members_only=members_only)
    assert rule.members_only is expected
    for member, applies in ((7, True), (None, not expected)):
        assert bool(price_cart(cart(item("a", "99.00"), member=member), [rule]).applied) is applies


def test_flash_sale_limit_is_per_variant_and_shared_by_its_lines() -> None:
    flash = promo(5, FixedPrice(D("49.00"), per_member_limit=3))
    lines = (item("a1", "99.00", 2, variant=1), item("a2", "99.00", 2, variant=1), item("b", "99.00", 2, variant=2))
    result = price_cart(cart(*lines), [flash])
    assert taken(result) == {"a1": D("100.00"), "a2": D("50.00"), "b": D("100.00")}


def test_a_fixed_price_above_the_current_price_changes_nothing() -> None:
    result = price_cart(cart(item("a", "39.00", 2)), [promo(1, FixedPrice(D("49.00")))])
    assert taken(result) == {"a": D("0.00")} and result.applied == ()


def test_fixed_price_after_an_earlier_discount_brings_units_to_the_price() -> None:
    result = price_cart(cart(item("a", "100.00", 2)), [promo(1, TEN_PERCENT), promo(2, FixedPrice(D("50.00")))])
    assert off(result)["a"] == [("P1", D("20.00")), ("P2", D("80.00"))]
    assert result.line("a").total == D("100.00")


@pytest.mark.parametrize(
    ("quantities", "free_keys"),
    [
        ({"a": 1, "b": 1, "c": 1}, {"c": D("10.00")}),
        ({"a": 1, "b": 1}, {}),
        ({"a": 2, "b": 2, "c": 1}, {"c": D("10.00")}),  # 5 units: one group of three
        ({"a": 2, "b": 2, "c": 2}, {"c": D("20.00")}),  # 6 units: the two cheapest
        ({"a": 4, "b": 1, "c": 1}, {"b": D("20.00"), "c": D("10.00")}),
    ],
)
def test_buy_two_get_one_makes_the_cheapest_units_free(
    quantities: dict[str, int], free_keys: dict[str, Decimal]
) -> None:
    prices = {"a": "30.00", "b": "20.00", "c": "10.00"}
    lines = [item(k, prices[k], q) for k, q in quantities.items()]
    result = price_cart(cart(*lines), [promo(1, BuyXGetY(2, 1))])
    assert {k: v for k, v in taken(result).items() if v} == free_keys


def test_buy_one_get_one_half_price() -> None:
    result = price_cart(cart(item("a", "30.00"), item("b", "9.99")), [promo(1, BuyXGetY(1, 1, D(50)))])
    assert taken(result) == {"a": D("0.00"), "b": D("5.00")}  # 4.995 rounds half up


def test_free_shipping_reaches_the_totals() -> None:
    result = price_cart(cart(item("a", "20.00")), [promo(1, FreeShipping(), min_subtotal=D("10.00"))])
    assert result.free_shipping and result.applied[0].amount == D("0.00")
    totals = compute_totals(
        result.lines,
        "CNY",
        method=FulfilmentMethod.DELIVERY,
        shipping=ShippingRule(D("8.00")),
        points=PointsRule(),
        free_shipping=result.free_shipping,
    )
    assert totals.shipping == 0 and totals.total == D("20.00")


def test_points_multipliers_do_not_compound_the_largest_wins() -> None:
    triple_for_vip = promo(2, PointsMultiplier(D(3)), member_tags_any=frozenset({"vip"}))
    promotions = [promo(1, PointsMultiplier(D(2))), triple_for_vip]
    vip = price_cart(cart(item("a", "100.00"), tags=frozenset({"vip"})), promotions)
    assert vip.points_multiplier == D(3) and len(vip.applied) == 2
    assert points_earned(vip.lines[0].total, D(1), vip.points_multiplier) == 300
    assert price_cart(cart(item("a", "100.00")), promotions).points_multiplier == D(2)


def test_without_promotions_nothing_changes() -> None:
    result = price_cart(cart(item("a", "10.00", 2)), [])
    assert result.lines[0].discounts == () and result.points_multiplier == 1 and not result.free_shipping


# --- conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "applies"), [(1, True), (2, True), (3, False)])
def test_channel_condition(channel: int, applies: bool) -> None:
    two_channels = promo(1, TEN_PERCENT, channel_ids=frozenset({1, 2}))
    result = price_cart(cart(item("a", "10.00"), channel=channel), [two_channels])
    assert bool(result.applied) is applies


@pytest.mark.parametrize(("tags", "applies"), [({"vip", "new"}, True), ({"new"}, False), (set(), False)])
def test_member_tag_condition_needs_any_of_the_tags(tags: set[str], applies: bool) -> None:
    vip = promo(1, TEN_PERCENT, member_tags_any=frozenset({"vip", "store:sh01"}))
    assert bool(price_cart(cart(item("a", "10.00"), tags=frozenset(tags)), [vip]).applied) is applies


@pytest.mark.parametrize(
    ("now", "applies"),
    [
        (NOW - timedelta(microseconds=1), False),
        (NOW, True),  # the start instant is inside the window
        (NOW + timedelta(hours=1) - timedelta(microseconds=1), True),
        (NOW + timedelta(hours=1), False),  # the end instant is not
    ],
)
def test_time_window_is_start_inclusive_end_exclusive(now: datetime, applies: bool) -> None:
    flash = promo(1, TEN_PERCENT, starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert bool(price_cart(cart(item("a", "10.00"), now=now), [flash]).applied) is applies


def test_open_ended_windows() -> None:
    later = promo(1, TEN_PERCENT, starts_at=NOW + timedelta(days=1))
    ended = promo(2, TEN_PERCENT, ends_at=NOW)
    assert price_cart(cart(item("a", "10.00")), [later, ended]).applied == ()


@pytest.mark.parametrize(("price", "applies"), [("99.99", False), ("100.00", True)])
def test_min_subtotal_is_inclusive(price: str, applies: bool) -> None:
    over_100 = promo(1, AmountOff(D("20.00")), min_subtotal=D("100.00"))
    assert bool(price_cart(cart(item("a", price)), [over_100]).applied) is applies


def test_min_subtotal_counts_what_is_left_after_earlier_promotions() -> None:
    over_100 = promo(2, AmountOff(D("20.00")), priority=1, min_subtotal=D("100.00"))
    result = price_cart(cart(item("a", "100.00")), [promo(1, TEN_PERCENT), over_100])
    assert [a.id for a in result.applied] == [1]


def test_min_subtotal_counts_only_the_eligible_lines() -> None:
    shoes = promo(1, AmountOff(D("20.00")), min_subtotal=D("100.00"), category_ids=frozenset({9}))
    lines = (item("a", "80.00", categories=frozenset({9})), item("b", "50.00"))
    assert price_cart(cart(*lines), [shoes]).applied == ()


@pytest.mark.parametrize(
    "scope",
    [
        {"product_ids": frozenset({101})},
        {"category_ids": frozenset({9, 10})},
        {"variant_ids": frozenset({1001})},
        {"product_ids": frozenset({555}), "variant_ids": frozenset({1001})},  # union of the scopes
    ],
)
def test_scope_picks_the_eligible_lines(scope: dict[str, Any]) -> None:
    lines = (
        item("a", "10.00", variant=1001, product=101, categories=frozenset({9})),
        item("b", "10.00", variant=2002, product=202, categories=frozenset({3})),
    )
    result = price_cart(cart(*lines), [promo(1, TEN_PERCENT, **scope)])
    assert taken(result) == {"a": D("1.00"), "b": D("0.00")}


def test_amount_off_is_spread_only_over_lines_in_scope() -> None:
    lines = (
        item("a", "30.00", categories=frozenset({9})),
        item("b", "10.00", categories=frozenset({9})),
        item("c", "100.00"),
    )
    result = price_cart(cart(*lines), [promo(1, AmountOff(D("4.00")), category_ids=frozenset({9}))])
    assert taken(result) == {"a": D("3.00"), "b": D("1.00"), "c": D("0.00")}


@pytest.mark.parametrize(("first", "applies"), [(True, True), (False, False)])
def test_first_order_only(first: bool, applies: bool) -> None:
    welcome = promo(1, AmountOff(D("5.00")), first_order_only=True)
    assert bool(price_cart(cart(item("a", "10.00"), first=first), [welcome]).applied) is applies


def test_a_promotion_in_another_currency_does_not_apply() -> None:
    assert price_cart(cart(item("a", "1000"), currency="JPY"), [promo(1, AmountOff(D("10.00")))]).applied == ()


# --- priority and stacking -----------------------------------------------------------------------


def test_lower_priority_goes_first_and_works_on_what_is_left() -> None:
    lines = (item("a", "100.00"),)
    percent_first = price_cart(cart(*lines), [promo(2, AmountOff(D("10.00")), priority=5), promo(1, TEN_PERCENT)])
    amount_first = price_cart(cart(*lines), [promo(2, AmountOff(D("10.00"))), promo(1, TEN_PERCENT, priority=5)])
    assert off(percent_first)["a"] == [("P1", D("10.00")), ("P2", D("10.00"))]
    assert off(amount_first)["a"] == [("P2", D("10.00")), ("P1", D("9.00"))]


def test_equal_priorities_go_by_id_and_promotions_before_coupons() -> None:
    coupon = coupon_promotion(promo(1, AmountOff(D("10.00"))), "save10")
    result = price_cart(cart(item("a", "100.00")), [coupon, promo(3, TEN_PERCENT), promo(2, TEN_PERCENT)])
    assert [(a.source, a.id) for a in result.applied] == [
        (PromotionSource.PROMOTION, 2),
        (PromotionSource.PROMOTION, 3),
        (PromotionSource.COUPON, 1),
    ]


def test_an_exclusive_promotion_that_applies_stops_every_later_one() -> None:
    result = price_cart(
        cart(item("a", "100.00")),
        [promo(1, PercentOff(D(20)), stackable=False), promo(2, TEN_PERCENT), promo(3, FreeShipping())],
    )
    assert [a.id for a in result.applied] == [1] and not result.free_shipping


def test_an_exclusive_promotion_does_not_combine_with_earlier_ones() -> None:
    result = price_cart(
        cart(item("a", "100.00")),
        [promo(1, TEN_PERCENT), promo(2, PercentOff(D(50)), stackable=False), promo(3, AmountOff(D("1.00")))],
    )
    assert [a.id for a in result.applied] == [1, 3]


def test_an_exclusive_promotion_that_does_not_apply_blocks_nothing() -> None:
    result = price_cart(
        cart(item("a", "100.00")),
        [
            promo(1, PercentOff(D(50)), stackable=False, channel_ids=frozenset({9})),
            promo(2, BuyXGetY(2, 1), stackable=False),  # one unit: no effect, so it does not apply
            promo(3, TEN_PERCENT),
        ],
    )
    assert [a.id for a in result.applied] == [3]


def test_stackable_promotions_combine_but_never_below_zero() -> None:
    result = price_cart(cart(item("a", "10.00")), [promo(1, PercentOff(D(90))), promo(2, AmountOff(D("5.00")))])
    assert off(result)["a"] == [("P1", D("9.00")), ("P2", D("1.00"))] and result.lines[0].total == 0


def test_the_order_lines_and_promotions_are_given_in_does_not_matter() -> None:
    promotions = [promo(1, TEN_PERCENT), promo(2, AmountOff(D("3.33"))), promo(3, BuyXGetY(1, 1), priority=-1)]
    lines = (item("a", "12.34", 2), item("b", "5.67", 3), item("c", "5.67", 1))
    forward = price_cart(cart(*lines), promotions)
    backward = price_cart(cart(*reversed(lines)), promotions[::-1])
    assert sorted(forward.lines, key=lambda line: line.key) == sorted(backward.lines, key=lambda line: line.key)
    assert forward.applied == backward.applied
    assert [line.key for line in backward.lines] == ["c", "b", "a"]  # lines come back in the cart's order


# --- coupons -------------------------------------------------------------------------------------


def test_a_coupon_goes_through_the_same_engine_with_its_code_as_label() -> None:
    welcome = coupon_promotion(promo(40, AmountOff(D("10.00")), name="Welcome gift"), " welcome10 ")
    result = price_cart(cart(item("a", "30.00"), item("b", "10.00")), [welcome])
    assert off(result) == {"a": [("Coupon WELCOME10", D("7.50"))], "b": [("Coupon WELCOME10", D("2.50"))]}
    assert result.applied[0].name == "Welcome gift" and result.applied[0].source is PromotionSource.COUPON


def test_a_coupon_flash_price_ignores_purchases_under_a_promotion_with_the_same_id() -> None:
    coupon = coupon_promotion(promo(5, FixedPrice(D("49.00"), per_member_limit=1)), "FLASH")
    result = price_cart(cart(item("a", "99.00", 2), bought={(5, ord("a")): 1}), [coupon])
    assert taken(result) == {"a": D("50.00")}


# --- currencies and rounding ---------------------------------------------------------------------


def test_jpy_has_no_minor_units() -> None:
    lines = (item("a", "333"), item("b", "1001"), item("c", "1000"))
    result = price_cart(
        cart(*lines, currency="JPY"),
        [promo(1, PercentOff(D(15)), currency=None), promo(2, AmountOff(D("100")), currency="JPY")],
    )
    assert off(result)["a"][0] == ("P1", D(50))  # 49.95 yen rounds half up to 50
    assert all(d.amount == d.amount.to_integral_value() for line in result.lines for d in line.discounts)
    assert result.applied[1].amount == D(100)


def test_discounts_carry_the_currency_exponent() -> None:
    result = price_cart(cart(item("a", "10.00")), [promo(1, AmountOff(D("3")))])
    assert result.lines[0].discounts == (Discount("P1", D("3.00")),)
    assert str(result.lines[0].discounts[0].amount) == "3.00"


def test_spread_is_available_for_other_order_level_amounts() -> None:
    assert spread(D("1.00"), {"x": D("2.00"), "y": D("1.00"), "z": D(0)}, "CNY") == {
        "x": D("0.67"),
        "y": D("0.33"),
        "z": D("0.00"),
    }


@pytest.mark.parametrize(
    "lines",
    [
        (item("a", "1.00"), item("a", "2.00")),
        (item("a", "1.005"),),
        (item("a", "1.00", 0),),
        (item("a", "-1.00"),),
    ],
)
def test_carts_the_caller_should_never_build_are_refused(lines: tuple[CartItem, ...]) -> None:
    with pytest.raises(ValueError):
        price_cart(cart(*lines), [])


def test_two_promotions_with_the_same_identity_are_refused() -> None:
    with pytest.raises(ValueError, match="share"):
        price_cart(cart(item("a", "1.00")), [promo(1, TEN_PERCENT), promo(1, AmountOff(D(1)))])


# --- validation ----------------------------------------------------------------------------------


def invalid(p: Promotion) -> list[tuple[str, list[str] | None]]:
    with pytest.raises(DomainError) as caught:
        validate_promotion(p)
    errors = caught.value.errors if isinstance(caught.value, DomainErrors) else [caught.value]
    return [(e.code, e.field) for e in errors]


def test_a_valid_promotion_comes_back_trimmed() -> None:
    checked = validate_promotion(
        promo(
            1,
            AmountOff(D("10.00")),
            name="  Double 11 ",
            min_subtotal=D("99.00"),
            starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
        )
    )
    assert checked.name == "Double 11"
    coupon = validate_promotion(coupon_promotion(promo(1, TEN_PERCENT), "welcome10"))
    assert coupon.code == "WELCOME10" and coupon.label == "Coupon WELCOME10"


def test_every_bad_field_is_reported_at_once() -> None:
    bad = Promotion(
        1, " ", -1, True, Conditions(starts_at=NOW, ends_at=NOW, channel_ids=frozenset()), PercentOff(D(0)), None
    )
    assert invalid(bad) == [
        ("REQUIRED", ["input", "name"]),
        ("INVALID", ["input", "priority"]),
        ("INVALID", ["input", "conditions", "endsAt"]),
        ("INVALID", ["input", "conditions", "channelIds"]),
        ("INVALID", ["input", "action", "percent"]),
    ]


@pytest.mark.parametrize(
    ("action", "conditions", "currency", "field"),
    [
        (PercentOff(D(101)), {}, None, ["action", "percent"]),
        (PercentOff(D("NaN")), {}, None, ["action", "percent"]),
        (AmountOff(D(0)), {}, "CNY", ["action", "amount"]),
        (AmountOff(D("0.5")), {}, "JPY", ["action", "amount"]),
        (AmountOff(D(5)), {}, None, ["currency"]),
        (TEN_PERCENT, {"min_subtotal": D(50)}, None, ["currency"]),
        (TEN_PERCENT, {"min_subtotal": D(0)}, "CNY", ["conditions", "minSubtotal"]),
        (AmountOff(D(5)), {}, "XXX", ["currency"]),
        (FixedPrice(D("9.9"), per_member_limit=0), {}, "CNY", ["action", "perMemberLimit"]),
        (FixedPrice(D("-1")), {}, "CNY", ["action", "unitPrice"]),
        (BuyXGetY(0, 1), {}, None, ["action", "buy"]),
        (BuyXGetY(2, 1, D(0)), {}, None, ["action", "percent"]),
        (PointsMultiplier(D(1)), {}, None, ["action", "factor"]),
        (TEN_PERCENT, {"starts_at": datetime(2025, 1, 1)}, None, ["conditions", "startsAt"]),
        (TEN_PERCENT, {"variant_ids": frozenset()}, None, ["conditions", "variantIds"]),
    ],
)
def test_bad_values_name_their_field(
    action: Action, conditions: dict[str, Any], currency: str | None, field: list[str]
) -> None:
    assert [f for _, f in invalid(promo(1, action, currency=currency, **conditions))] == [["input", *field]]


@pytest.mark.parametrize(("code", "error"), [("", "REQUIRED"), ("AB", "INVALID"), ("NO SPACES", "INVALID")])
def test_a_coupon_needs_a_well_formed_code(code: str, error: str) -> None:
    assert invalid(coupon_promotion(promo(1, TEN_PERCENT), code)) == [(error, ["input", "code"])]
