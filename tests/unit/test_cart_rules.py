"""Cart, checkout and order rules without a database: who uses a cart, quantities, fulfilment choices,
totals, pickup codes and payments."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access.model import ANONYMOUS, StaffRole, member, staff
from domain.catalog.model import ChannelKind
from domain.errors import DomainError
from domain.inventory.model import FulfilmentMethod as M
from domain.inventory.model import LocationType
from domain.orders.access import is_buyer, sees_order, sells_at, serves_store
from domain.orders.cart_rules import (
    DEFAULT_RULES,
    CartLineState,
    CartState,
    ChannelInfo,
    LocationInfo,
    can_use_cart,
    check_can_change,
    check_cart_channel,
    check_pickup_store,
    check_quantity,
    check_till_method,
    checkout_fulfilment,
    destination,
    priced_lines,
)
from domain.orders.carts import new_token
from domain.orders.checkout import check_key
from domain.orders.pickup import MAX_ATTEMPTS, hash_pickup_code, pickup_code, pickup_code_matches
from domain.orders.pricing import Totals, compute_totals
from domain.orders.records import PaymentKind, PaymentMethod
from domain.orders.services import PaymentRecord, paid_amount

ONLINE = ChannelInfo(1, ChannelKind.APP, "CNY", Decimal(1))
POS = ChannelInfo(2, ChannelKind.POS, "CNY", Decimal(1))
GUEST_CART = CartState(1, "t" * 32, 1, None, None, None, None, None, None, 0, False)
MEMBER_CART = replace(GUEST_CART, member_id=7)
TILL_CART = replace(GUEST_CART, channel_id=2, location_id=3, staff_id=9)


def cart_totals(
    lines: list[CartLineState], prices: dict[int, Decimal], channel: ChannelInfo, method: M | None, points: int
) -> Totals:
    """A cart's totals without promotions (`cart_pricing.price_cart_lines` with none running)."""
    return compute_totals(
        priced_lines(lines, prices),
        channel.currency,
        method=method,
        shipping=DEFAULT_RULES.shipping(channel),
        points=DEFAULT_RULES.points(channel),
        points_requested=points,
    )


def code(f: object) -> str:
    with pytest.raises(DomainError) as e:
        f()  # type: ignore[operator]
    return e.value.code


# --- who uses a cart ---------------------------------------------------------------------------------


def test_a_guest_cart_is_anyones_who_holds_its_id() -> None:
    assert can_use_cart(GUEST_CART, ANONYMOUS) and can_use_cart(GUEST_CART, member(5))


def test_a_members_cart_is_theirs_alone() -> None:
    assert can_use_cart(MEMBER_CART, member(7))
    assert not any(can_use_cart(MEMBER_CART, p) for p in (ANONYMOUS, member(8), staff(1, StaffRole.ADMIN)))


def test_a_tills_cart_is_its_stores_staff() -> None:
    assert can_use_cart(TILL_CART, staff(1, StaffRole.CASHIER, 3))
    assert can_use_cart(TILL_CART, staff(1, StaffRole.ADMIN))
    assert not can_use_cart(TILL_CART, staff(1, StaffRole.CASHIER, 4))
    assert not can_use_cart(TILL_CART, staff(1, StaffRole.FULFILLMENT, 3))
    assert not can_use_cart(TILL_CART, ANONYMOUS)
    assert can_use_cart(replace(TILL_CART, member_id=7), member(7))  # opened at the till for the member


def test_a_tills_cart_opened_for_a_member_is_changed_only_at_the_till() -> None:
    for_ann = replace(TILL_CART, member_id=7)
    check_can_change(for_ann, staff(1, StaffRole.CASHIER, 3))
    assert code(lambda: check_can_change(for_ann, member(7))) == "INVALID"  # she reads it, no more
    check_can_change(MEMBER_CART, member(7))
    check_can_change(GUEST_CART, ANONYMOUS)


def test_guest_orders_are_read_by_id_and_member_orders_by_their_member_and_staff() -> None:
    assert is_buyer(None, ANONYMOUS) and not is_buyer(7, member(8))
    assert sees_order(7, {3}, staff(1, StaffRole.FULFILLMENT, 3)) and not sees_order(7, {3}, ANONYMOUS)
    assert sells_at(3, staff(1, StaffRole.CASHIER, 3)) and not sells_at(None, staff(1, StaffRole.ADMIN))
    assert serves_store(3, staff(1, StaffRole.FULFILLMENT, 3)) and not serves_store(3, member(7))


# --- lines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [1, 2, 999])
def test_a_line_holds_1_to_999_units(quantity: int) -> None:
    assert check_quantity(quantity, ["q"]) == quantity


@pytest.mark.parametrize("quantity", [0, -1, 1000, 10**9])
def test_other_quantities_are_invalid(quantity: int) -> None:
    assert code(lambda: check_quantity(quantity, ["q"])) == "INVALID_QUANTITY"


# --- fulfilment ----------------------------------------------------------------------------------


def store(**overrides: object) -> LocationInfo:
    values: dict[str, object] = {
        "id": 3,
        "type": LocationType.STORE,
        "is_active": True,
        "is_pickup_point": True,
        "in_channel": True,
        **overrides,
    }
    return LocationInfo(**values)  # type: ignore[arg-type]


def test_pickup_is_at_an_active_pickup_store_of_the_channel() -> None:
    assert check_pickup_store(store(), ["f"]) == 3
    assert code(lambda: check_pickup_store(None, ["f"])) == "NOT_FOUND"
    for bad in (
        store(type=LocationType.WAREHOUSE),
        store(is_active=False),
        store(is_pickup_point=False),
        store(in_channel=False),
    ):
        assert code(lambda bad=bad: check_pickup_store(bad, ["f"])) == "INVALID"


@pytest.mark.parametrize("method", [M.IN_STORE, M.ENDLESS_AISLE])
def test_till_methods_need_a_till_cart_in_a_pos_channel(method: M) -> None:
    check_till_method(TILL_CART, POS, method, ["m"])
    assert code(lambda: check_till_method(GUEST_CART, POS, method, ["m"])) == "INVALID"
    assert code(lambda: check_till_method(TILL_CART, ONLINE, method, ["m"])) == "INVALID"
    check_till_method(GUEST_CART, ONLINE, M.DELIVERY, ["m"])


def test_checkout_uses_the_chosen_fulfilment_and_a_till_defaults_to_in_store() -> None:
    assert checkout_fulfilment(TILL_CART) == (M.IN_STORE, 3)
    assert code(lambda: checkout_fulfilment(GUEST_CART)) == "REQUIRED"
    assert code(lambda: checkout_fulfilment(replace(GUEST_CART, method=M.PICKUP))) == "PICKUP_LOCATION_REQUIRED"
    assert checkout_fulfilment(replace(GUEST_CART, method=M.PICKUP, pickup_location_id=4)) == (M.PICKUP, 4)
    assert code(lambda: checkout_fulfilment(replace(GUEST_CART, method=M.DELIVERY))) == "REQUIRED"
    assert checkout_fulfilment(replace(GUEST_CART, method=M.DELIVERY, address={"city": "x"})) == (M.DELIVERY, None)


def test_a_destination_needs_both_coordinates() -> None:
    assert destination({"latitude": 31.2, "longitude": 121.4}) == (31.2, 121.4)
    assert destination({"latitude": 31.2, "longitude": None}) is None and destination(None) is None


# --- totals --------------------------------------------------------------------------------------

LINES = [CartLineState(1, 10, 2), CartLineState(2, 11, 1), CartLineState(3, 12, 1)]
PRICES = {10: Decimal("50.00"), 11: Decimal("9.99")}  # 12 is no longer sold


def test_totals_leave_out_lines_the_channel_no_longer_sells() -> None:
    t = cart_totals(LINES, PRICES, ONLINE, None, 0)
    assert (t.subtotal, t.shipping, t.total, [ln.key for ln in t.lines]) == (
        Decimal("109.99"),
        Decimal(0),
        Decimal("109.99"),
        ["0", "1"],
    )


@pytest.mark.parametrize(
    ("method", "shipping"), [(M.DELIVERY, "10.00"), (M.ENDLESS_AISLE, "10.00"), (M.PICKUP, "0"), (M.IN_STORE, "0")]
)
def test_only_shipped_orders_pay_shipping(method: M, shipping: str) -> None:
    assert cart_totals(LINES, PRICES, ONLINE, method, 0).shipping == Decimal(shipping)


def test_shipping_is_free_from_199() -> None:
    lines = [CartLineState(1, 10, 4)]
    assert cart_totals(lines, {10: Decimal("49.75")}, ONLINE, M.DELIVERY, 0).shipping == Decimal(0)
    assert cart_totals(lines, {10: Decimal("49.74")}, ONLINE, M.DELIVERY, 0).shipping == Decimal("10.00")


@given(st.integers(1, 999), st.integers(0, 100_000), st.integers(0, 10**6), st.sampled_from(list(M)))
def test_totals_add_up_and_points_pay_at_most_half(quantity: int, cents: int, points: int, method: M) -> None:
    t = cart_totals([CartLineState(1, 10, quantity)], {10: Decimal(cents) / 100}, ONLINE, method, points)
    assert t.total == t.subtotal - t.discount_total - t.points_discount + t.shipping >= 0
    assert t.points_spent <= points and t.points_discount * 2 <= t.subtotal + t.shipping
    assert t.points_discount == Decimal(t.points_spent) / 100


# --- keys, tokens, pickup codes, payments ----------------------------------------------------------


def test_tokens_are_32_url_safe_characters_and_never_repeat() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) == 32 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_a_pos_channels_carts_are_opened_by_staff_at_one_of_its_stores() -> None:
    store = LocationInfo(3, LocationType.STORE, is_active=True, is_pickup_point=True, in_channel=True)
    check_cart_channel(POS, 9, store)
    for staff_id, where in (
        (None, None),
        (None, store),
        (9, None),
        (9, replace(store, in_channel=False)),
        (9, replace(store, is_active=False)),
        (9, replace(store, type=LocationType.WAREHOUSE)),
    ):
        with pytest.raises(DomainError) as refused:
            check_cart_channel(POS, staff_id, where)
        assert refused.value.code == "CHANNEL_NOT_ALLOWED", (staff_id, where)
    for kind in set(ChannelKind) - {ChannelKind.POS}:  # the other kinds sell to anyone
        check_cart_channel(replace(ONLINE, kind=kind), None, None)


def test_an_idempotency_key_is_trimmed_and_bounded() -> None:
    assert check_key("  abc ") == "abc"
    assert code(lambda: check_key(" ")) == code(lambda: check_key("k" * 101)) == "INVALID"


def test_a_pickup_code_is_the_same_for_a_retry_and_unpredictable_without_the_secret() -> None:
    code = pickup_code("secret", "order-token", "key-1")
    assert len(code) == 6 and code.isdigit() and code == pickup_code("secret", "order-token", "key-1")
    others = {
        pickup_code(secret, token, key)
        for secret, token, key in (
            ("other secret", "order-token", "key-1"),
            ("secret", "other-token", "key-1"),
            ("secret", "order-token", "k2"),
        )
    }
    assert code not in others and len(others) == 3


def test_a_pickup_code_is_checked_against_its_salted_hash() -> None:
    pickup = pickup_code("secret", "order-token", "key-1")
    assert len(pickup) == 6 and pickup.isdigit()
    stored = hash_pickup_code("order-token", pickup)
    assert pickup not in stored
    assert pickup_code_matches("order-token", stored, f" {pickup} ")
    assert not pickup_code_matches("other-token", stored, pickup)
    assert not any(pickup_code_matches("order-token", stored, c) for c in ("", "12345", "1234567", "abcdef"))
    assert not pickup_code_matches("order-token", None, pickup)
    assert MAX_ATTEMPTS == 5


def test_what_was_paid_is_captures_less_refunds() -> None:
    assert paid_amount([]) == 0
    assert (
        paid_amount(
            [
                PaymentRecord(PaymentKind.CAPTURE, PaymentMethod.CASH, Decimal("60.00")),
                PaymentRecord(PaymentKind.REFUND, PaymentMethod.CASH, Decimal("60.00")),
            ]
        )
        == 0
    )
