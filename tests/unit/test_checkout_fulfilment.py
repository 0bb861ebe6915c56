"""Checkout over the in-memory unit of work: where an order's units come from (nearest, preferred,
split), what the placed order records about its store, buyer and charges, and that a refusal is
found before anything is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.access.model import ANONYMOUS, Principal, StaffRole, member, staff
from domain.errors import DomainError, DomainErrors
from domain.inventory.model import FulfilmentMethod, MovementKind
from domain.orders.checkout import OrderRef, complete_checkout
from domain.orders.records import OrderEventType
from tests.fakes import HOME, POS, STORE, WAREHOUSE, FakeUow
from tests.order_steps import ANNA, give_coupon

SHOES, SOCKS = 1, 2
CASHIER = staff(9, StaffRole.CASHIER, STORE)
TILL: dict[str, Any] = {"channel_id": POS, "staff_id": 9, "location_id": STORE}
NEAR_STORE = {**HOME, "latitude": 31.2305, "longitude": 121.4740}
NEAR_WAREHOUSE = {**HOME, "latitude": 31.0210, "longitude": 121.8810}


def located(uow: FakeUow) -> FakeUow:
    """Arrange: the store in central Shanghai, the warehouse out by the airport."""
    uow.inventory.coordinates.update({STORE: (31.2304, 121.4737), WAREHOUSE: (31.0200, 121.8800)})
    return uow


async def checkout(uow: FakeUow, token: str, key: str = "k1", principal: Principal = ANONYMOUS) -> OrderRef:
    return await complete_checkout(uow, principal, token, key, secret="pickup-secret")


async def refused(uow: FakeUow, token: str | None, principal: Principal = ANONYMOUS) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await complete_checkout(uow, principal, token, "k1", secret="pickup-secret")
    return caught.value


def sources(uow: FakeUow, ref: OrderRef) -> set[tuple[int, int, int]]:
    """(variant, location, units) of each allocation of the order."""
    return {(a.variant_id, a.location_id, a.quantity) for a in uow.orders.placed[ref.id].allocations}


# --- where a delivery comes from -----------------------------------------------------------------


@pytest.mark.parametrize(("address", "ships_from"), [(NEAR_STORE, STORE), (NEAR_WAREHOUSE, WAREHOUSE)])
async def test_a_delivery_comes_from_the_location_nearest_the_address(address: dict[str, Any], ships_from: int) -> None:
    uow = located(FakeUow())
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SHOES, STORE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}, address=address))
    assert sources(uow, ref) == {(SHOES, ships_from, 1)}


@pytest.mark.parametrize(("preferred", "other"), [(STORE, WAREHOUSE), (WAREHOUSE, STORE)])
async def test_without_coordinates_the_preferred_location_ships(preferred: int, other: int) -> None:
    uow = FakeUow()
    uow.inventory.priorities.update({preferred: 1, other: 50})
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SHOES, STORE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}))
    assert sources(uow, ref) == {(SHOES, preferred, 1)}


async def test_a_nearer_location_missing_a_line_loses_to_one_that_has_everything() -> None:
    uow = located(FakeUow())
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SOCKS, WAREHOUSE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1, SOCKS: 1}, address=NEAR_STORE))
    assert sources(uow, ref) == {(SHOES, WAREHOUSE, 1), (SOCKS, WAREHOUSE, 1)}


async def test_a_split_delivery_takes_each_line_from_the_best_ranked_location_first() -> None:
    uow = FakeUow()
    uow.inventory.priorities.update({STORE: 1, WAREHOUSE: 50})
    uow.inventory.stock(SHOES, STORE, 2)
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SOCKS, STORE, 1)
    ref = await checkout(uow, uow.cart({SHOES: 3, SOCKS: 1}))
    assert sources(uow, ref) == {(SHOES, STORE, 2), (SHOES, WAREHOUSE, 1), (SOCKS, STORE, 1)}
    assert (uow.level(SHOES, STORE), uow.level(SHOES, WAREHOUSE)) == ((2, 2), (5, 1))


async def test_a_split_that_still_falls_short_names_the_line_and_reserves_nothing() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 2)
    uow.inventory.stock(SOCKS, STORE, 1)
    uow.inventory.stock(SOCKS, WAREHOUSE, 1)
    error = await refused(uow, uow.cart({SHOES: 1, SOCKS: 3}))
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "1"])
    assert error.message == "Only 2 of the 3 units asked for are available."
    assert uow.inventory.movements == [] and uow.level(SOCKS, STORE) == (1, 0)


async def test_units_reserved_for_other_orders_do_not_make_a_location_whole() -> None:
    uow = FakeUow()
    uow.inventory.priorities.update({STORE: 1, WAREHOUSE: 50})
    uow.inventory.stock(SHOES, STORE, 3, reserved=2)
    uow.inventory.stock(SHOES, WAREHOUSE, 3)
    ref = await checkout(uow, uow.cart({SHOES: 2}))
    assert sources(uow, ref) == {(SHOES, WAREHOUSE, 2)}


# --- pickup and the till ---------------------------------------------------------------------------


async def test_an_in_store_sale_needs_the_units_on_that_shelf_whatever_the_warehouse_has() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 50)
    uow.inventory.stock(SHOES, STORE, 1)
    error = await refused(uow, uow.cart({SHOES: 2}, **TILL), principal=CASHIER)
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "0"])
    assert uow.orders.placed == {}


async def test_pickup_reserves_at_the_pickup_store_even_when_the_warehouse_is_preferred() -> None:
    uow = FakeUow()
    uow.inventory.priorities.update({WAREHOUSE: 1, STORE: 50})
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SHOES, STORE, 5)
    token = uow.cart({SHOES: 2}, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    ref = await checkout(uow, token)
    assert sources(uow, ref) == {(SHOES, STORE, 2)} and uow.level(SHOES, WAREHOUSE) == (5, 0)


@pytest.mark.parametrize(
    ("cart", "principal", "store", "pickup_store"),
    [
        ({}, ANONYMOUS, None, None),  # a web delivery has no store
        ({"method": FulfilmentMethod.PICKUP, "pickup_location_id": STORE, "address": None}, ANONYMOUS, STORE, STORE),
        (TILL, CASHIER, STORE, None),  # sold and handed over at the till
        ({**TILL, "method": FulfilmentMethod.ENDLESS_AISLE}, CASHIER, STORE, None),  # sold there, shipped
    ],
)
async def test_an_order_belongs_to_the_store_that_sold_it_or_hands_it_over(
    cart: dict[str, Any], principal: Principal, store: int | None, pickup_store: int | None
) -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}, **cart), principal=principal)
    state = uow.orders.placed[ref.id].state
    assert (state.location_id, state.pickup_location_id) == (store, pickup_store)


@pytest.mark.parametrize("cart", [{}, TILL])
async def test_only_a_pickup_order_gets_a_pickup_code(cart: dict[str, Any]) -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}, **cart), principal=CASHIER if cart else ANONYMOUS)
    assert (ref.pickup_code, ref.pickup_code_hash) == (None, None)


async def test_two_pickup_orders_get_different_codes() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    pickup: dict[str, Any] = {"method": FulfilmentMethod.PICKUP, "pickup_location_id": STORE, "address": None}
    first = await checkout(uow, uow.cart({SHOES: 1}, **pickup))
    second = await checkout(uow, uow.cart({SHOES: 1}, **pickup))
    assert first.pickup_code != second.pickup_code


async def test_a_cashier_at_another_store_does_not_see_the_tills_cart() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    error = await refused(uow, uow.cart({SHOES: 1}, **TILL), principal=staff(8, StaffRole.CASHIER, WAREHOUSE))
    assert (error.code, error.field) == ("NOT_FOUND", ["cartId"])


@pytest.mark.parametrize("token", [None, "no-such-cart"])
async def test_an_unknown_cart_is_not_found(token: str | None) -> None:
    error = await refused(FakeUow(), token)
    assert (error.code, error.field) == ("NOT_FOUND", ["cartId"])


# --- what the order records ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "cart", "buyer"), [(ANONYMOUS, {}, None), (member(ANNA), {"member_id": ANNA}, ANNA)]
)
async def test_an_order_is_its_members_or_a_guests(
    principal: Principal, cart: dict[str, Any], buyer: int | None
) -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}, **cart), principal=principal)
    assert uow.orders.placed[ref.id].state.member_id == buyer


async def test_the_placed_event_records_the_total_and_the_number_of_lines() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SOCKS, WAREHOUSE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1, SOCKS: 2}))
    assert uow.orders.placed[ref.id].events == [(OrderEventType.PLACED, {"total": "300.00", "lines": 2})]


async def test_every_allocation_is_reserved_under_the_orders_number_and_the_cashier() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SOCKS, STORE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 2, SOCKS: 1}, **TILL), principal=CASHIER)
    assert sorted((m.variant_id, m.kind, m.on_hand_delta, m.reserved_delta) for m in uow.inventory.movements) == [
        (SHOES, MovementKind.RESERVATION, 0, 2),
        (SOCKS, MovementKind.RESERVATION, 0, 1),
    ]
    assert {(m.reference, m.staff_id) for m in uow.inventory.movements} == {(f"order:{ref.number}", 9)}


async def test_each_order_line_is_charged_its_quantity_at_the_checkout_price() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SOCKS, WAREHOUSE, 5)
    token = uow.cart({SHOES: 2, SOCKS: 3}, price=Decimal("30.00"))
    uow.carts.prices_of[(1, SHOES)] = Decimal("45.50")
    ref = await checkout(uow, token)
    assert [(ln.variant_id, ln.quantity, ln.total) for ln in uow.orders.placed[ref.id].lines] == [
        (SHOES, 2, Decimal("91.00")),
        (SOCKS, 3, Decimal("90.00")),
    ]


@pytest.mark.parametrize(
    ("price", "cart", "total"),
    [
        (Decimal("100.00"), {}, Decimal("110.00")),  # a delivery under 199.00 pays 10.00 shipping
        (Decimal("199.00"), {}, Decimal("199.00")),  # free from 199.00 of merchandise
        (Decimal("100.00"), {"method": FulfilmentMethod.PICKUP, "pickup_location_id": STORE, "address": None}, None),
    ],
)
async def test_shipping_is_charged_on_small_deliveries_only(
    price: Decimal, cart: dict[str, Any], total: Decimal | None
) -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    ref = await checkout(uow, uow.cart({SHOES: 1}, price=price, **cart))
    assert uow.orders.placed[ref.id].state.total == (total or price)


async def test_points_spent_are_booked_against_the_order() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1}, member_id=ANNA, points=1000)
    uow.points.balances[ANNA] = 1000
    ref = await checkout(uow, token, principal=member(ANNA))
    [entry] = uow.points.entries[ANNA]
    assert (entry.delta, entry.balance_after, entry.reference, entry.channel_id) == (-1000, 0, f"order:{ref.number}", 1)


async def test_short_stock_is_found_before_the_coupon_is_redeemed_or_points_are_spent() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    give_coupon(uow)
    uow.points.balances[ANNA] = 5000
    token = uow.cart({SHOES: 2}, member_id=ANNA, coupon_code="TENOFF", points=1000)
    assert (await refused(uow, token, principal=member(ANNA))).code == "INSUFFICIENT_STOCK"
    assert (uow.orders.placed, uow.promotions.redeemed, uow.points.balances[ANNA]) == ({}, {}, 5000)


async def test_a_coupon_redeemed_at_the_till_is_recorded_as_redeemed_for_that_order() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    coupon = give_coupon(uow)
    token = uow.cart({SHOES: 1}, member_id=ANNA, coupon_code="TENOFF", **TILL)
    ref = await checkout(uow, token, principal=CASHIER)
    assert uow.promotions.redeemed == {coupon.id: ref.id}
    assert uow.orders.placed[ref.id].state.total == Decimal("90.00")  # no shipping at the till


async def test_an_idempotency_key_counts_per_cart() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    first = await checkout(uow, uow.cart({SHOES: 1}), "same")
    second = await checkout(uow, uow.cart({SHOES: 1}), "same")
    assert first.id != second.id and uow.level(SHOES, WAREHOUSE) == (5, 2)


async def test_an_endless_aisle_order_ships_from_the_warehouse_nearest_the_shopper() -> None:
    uow = located(FakeUow())
    suburb = 30
    uow.inventory.locations[suburb] = uow.inventory.locations[WAREHOUSE]
    uow.inventory.coordinates[suburb] = (31.2400, 121.4800)  # nearer the store than the airport
    for location_id in (STORE, WAREHOUSE, suburb):
        uow.inventory.stock(SHOES, location_id, 5)
    token = uow.cart({SHOES: 1}, method=FulfilmentMethod.ENDLESS_AISLE, address=NEAR_STORE, **TILL)
    ref = await checkout(uow, token, principal=CASHIER)
    assert sources(uow, ref) == {(SHOES, suburb, 1)}


async def test_every_line_the_channel_stopped_selling_is_named_at_once() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1, SOCKS: 1, 3: 1})
    del uow.carts.prices_of[(1, SHOES)], uow.carts.prices_of[(1, 3)]
    with pytest.raises(DomainErrors) as caught:
        await checkout(uow, token)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("NOT_FOUND", ["lines", "0"]),
        ("NOT_FOUND", ["lines", "2"]),
    ]


async def test_a_pickup_store_short_of_several_lines_names_the_first() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SOCKS, STORE, 1)
    token = uow.cart({SHOES: 1, SOCKS: 2, 3: 2}, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    error = await refused(uow, token)
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "1"])
