"""Checkout over the in-memory unit of work: a cart becomes one unpaid order whose units are
allocated and reserved, whose coupon is redeemed and whose points are spent; retries with the
same key return that order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.access.model import ANONYMOUS, Principal, StaffRole, member, staff
from domain.errors import DomainError
from domain.inventory.model import FulfilmentMethod, MovementKind
from domain.members.points import PointsKind
from domain.orders.checkout import OrderRef, complete_checkout
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType
from tests.fakes import POS, STORE, T0, WAREHOUSE, FakeUow
from tests.order_steps import ANNA, give_coupon

SECRET = "pickup-secret"
SHOES, SOCKS = 1, 2


async def checkout(uow: FakeUow, token: str, key: str = "k1", principal: Principal = ANONYMOUS) -> OrderRef:
    return await complete_checkout(uow, principal, token, key, secret=SECRET)


async def refused(uow: FakeUow, token: str, key: str = "k1", principal: Principal = ANONYMOUS) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await checkout(uow, token, key, principal)
    return caught.value


# --- allocation and reservation ------------------------------------------------------------------


async def test_checkout_reserves_the_allocated_units_of_an_unpaid_order() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    placed = await checkout(uow, uow.cart({SHOES: 2}))
    order = uow.orders.placed[placed.id]
    assert order.state.status is OrderStatus.UNPAID and order.state.total == Decimal("200.00")
    assert uow.level(SHOES, WAREHOUSE) == (5, 2)
    [m] = uow.inventory.movements
    assert (m.kind, m.reserved_delta, m.reference) == (MovementKind.RESERVATION, 2, f"order:{placed.number}")
    assert [t for t, _ in order.events] == [OrderEventType.PLACED]


async def test_a_delivery_comes_from_one_location_that_covers_every_line() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SHOES, STORE, 5)
    uow.inventory.stock(SOCKS, STORE, 5)
    placed = await checkout(uow, uow.cart({SHOES: 1, SOCKS: 1}))
    assert {a.location_id for a in uow.orders.placed[placed.id].allocations} == {STORE}


async def test_a_delivery_is_split_only_when_no_location_covers_it() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    uow.inventory.stock(SOCKS, STORE, 5)
    placed = await checkout(uow, uow.cart({SHOES: 1, SOCKS: 1}))
    assert {(a.variant_id, a.location_id) for a in uow.orders.placed[placed.id].allocations} == {
        (SHOES, WAREHOUSE),
        (SOCKS, STORE),
    }


async def test_pickup_needs_stock_at_that_store() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 50)
    uow.inventory.stock(SHOES, STORE, 1)
    token = uow.cart({SHOES: 2}, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    error = await refused(uow, token)
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "0"])
    assert uow.orders.placed == {} and uow.level(SHOES, WAREHOUSE) == (50, 0)


async def test_a_pickup_order_gets_a_code_that_only_its_hash_is_kept_of() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 1)
    token = uow.cart({SHOES: 1}, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    placed = await checkout(uow, token)
    assert placed.pickup_code is not None and placed.pickup_code_hash not in (None, placed.pickup_code)
    assert uow.orders.placed[placed.id].state.pickup_location_id == STORE


async def test_units_reserved_by_another_order_are_not_available() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 3, reserved=2)
    error = await refused(uow, uow.cart({SHOES: 2}))
    assert error.code == "INSUFFICIENT_STOCK"


async def test_a_till_cart_sells_in_store_from_its_own_shelf() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 1)
    cashier = staff(9, StaffRole.CASHIER, STORE)
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=9, location_id=STORE)
    placed = await checkout(uow, token, principal=cashier)
    state = uow.orders.placed[placed.id].state
    assert (state.method, state.location_id) == (FulfilmentMethod.IN_STORE, STORE)
    assert uow.level(SHOES, STORE) == (1, 1)


# --- idempotency and the claim -------------------------------------------------------------------


async def test_the_same_key_returns_the_same_order_and_pickup_code_without_reserving_again() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    token = uow.cart({SHOES: 2}, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    first = await checkout(uow, token, "same")
    again = await checkout(uow, token, " same ")
    assert again == first
    assert len(uow.orders.placed) == 1 and uow.level(SHOES, STORE) == (5, 2)


async def test_another_key_for_a_checked_out_cart_is_refused() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1})
    await checkout(uow, token, "first")
    error = await refused(uow, token, "second")
    assert (error.code, error.message) == ("INVALID", "The cart has already been checked out.")
    assert len(uow.orders.placed) == 1


@pytest.mark.parametrize("key", ["", "   ", "k" * 101])
async def test_an_idempotency_key_has_1_to_100_characters(key: str) -> None:
    error = await refused(FakeUow(), "cart-1", key)
    assert (error.code, error.field) == ("INVALID", ["idempotencyKey"])


async def test_an_empty_cart_is_refused() -> None:
    uow = FakeUow()
    assert (await refused(uow, uow.cart({}))).code == "CART_EMPTY"


async def test_a_line_the_channel_stopped_selling_is_named() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1, SOCKS: 1})
    del uow.carts.prices_of[(1, SOCKS)]
    error = await refused(uow, token)
    assert (error.code, error.field) == ("NOT_FOUND", ["lines", "1"])


async def test_someone_elses_cart_does_not_exist_for_the_caller() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, member_id=ANNA)
    assert (await refused(uow, token)).code == "NOT_FOUND"
    assert (await refused(uow, token, principal=member(ANNA + 1))).code == "NOT_FOUND"


async def test_a_delivery_needs_an_address() -> None:
    uow = FakeUow()
    error = await refused(uow, uow.cart({SHOES: 1}, address=None))
    assert (error.code, error.message) == ("REQUIRED", "A delivery needs an address.")


async def test_a_choice_of_fulfilment_comes_first_and_pickup_names_its_store() -> None:
    uow = FakeUow()
    assert (await refused(uow, uow.cart({SHOES: 1}, method=None))).code == "REQUIRED"
    token = uow.cart({SHOES: 1}, method=FulfilmentMethod.PICKUP, address=None)
    assert (await refused(uow, token)).code == "PICKUP_LOCATION_REQUIRED"


async def test_a_tills_cart_is_checked_out_only_at_the_till() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 1)
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=9, location_id=STORE, member_id=ANNA)
    error = await refused(uow, token, principal=member(ANNA))
    assert (error.code, error.field) == ("INVALID", ["cartId"])
    assert uow.orders.placed == {}


async def test_a_till_channel_checks_out_only_till_carts() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    assert (await refused(uow, uow.cart({SHOES: 1}, channel_id=POS))).code == "CHANNEL_NOT_ALLOWED"


async def test_a_deactivated_channel_sells_nothing_more() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    token = uow.cart({SHOES: 1})
    uow.carts.channels[1] = replace(uow.carts.channels[1], is_active=False)
    error = await refused(uow, token)
    assert (error.code, error.message) == ("NOT_FOUND", "The channel no longer sells; start a new cart.")


async def test_an_endless_aisle_order_ships_from_warehouses_only() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 5)
    cashier = staff(9, StaffRole.CASHIER, STORE)
    till: dict[str, Any] = {
        "channel_id": POS,
        "staff_id": 9,
        "location_id": STORE,
        "method": FulfilmentMethod.ENDLESS_AISLE,
    }
    assert (await refused(uow, uow.cart({SHOES: 1}, **till), principal=cashier)).code == "INSUFFICIENT_STOCK"
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    placed = await checkout(uow, uow.cart({SHOES: 1}, **till), principal=cashier)
    assert [a.location_id for a in uow.orders.placed[placed.id].allocations] == [WAREHOUSE]


async def test_the_order_is_priced_at_checkout_not_when_the_line_was_added() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    token = uow.cart({SHOES: 1}, price=Decimal("100.00"))
    uow.carts.prices_of[(1, SHOES)] = Decimal("250.00")
    placed = await checkout(uow, token)
    assert uow.orders.placed[placed.id].state.total == Decimal("250.00")  # free shipping from 199.00


async def test_an_unpaid_order_holds_its_stock_for_30_minutes() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    placed = await checkout(uow, uow.cart({SHOES: 1}))
    assert uow.orders.placed[placed.id].extra["expires_at"] == T0 + timedelta(minutes=30)


# --- points and coupons --------------------------------------------------------------------------


async def test_points_chosen_on_the_cart_are_spent_from_the_balance() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1}, member_id=ANNA, points=3000)
    uow.points.balances[ANNA] = 5000
    placed = await checkout(uow, token, principal=member(ANNA))
    state = uow.orders.placed[placed.id].state
    assert (state.points_spent, state.total) == (3000, Decimal("80.00"))  # 100.00 + 10.00 shipping - 30.00
    assert uow.points.kinds(ANNA) == [(PointsKind.SPEND, -3000)] and uow.points.balances[ANNA] == 2000


async def test_points_beyond_the_balance_are_refused() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    token = uow.cart({SHOES: 1}, member_id=ANNA, points=3000)
    uow.points.balances[ANNA] = 2999
    error = await refused(uow, token, principal=member(ANNA))
    assert error.code == "INSUFFICIENT_POINTS"
    assert uow.points.balances[ANNA] == 2999


async def test_a_guest_pays_no_part_with_points() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    placed = await checkout(uow, uow.cart({SHOES: 1}, points=3000))
    assert uow.orders.placed[placed.id].state.points_spent == 0


async def test_the_carts_coupon_is_redeemed_for_the_order_it_discounts() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    coupon = give_coupon(uow)
    placed = await checkout(uow, uow.cart({SHOES: 1}, member_id=ANNA, coupon_code="TENOFF"), principal=member(ANNA))
    assert uow.orders.placed[placed.id].state.total == Decimal("100.00")  # 100.00 - 10% + 10.00 shipping
    assert uow.promotions.redeemed == {coupon.id: placed.id}


async def test_a_coupon_used_a_moment_ago_refuses_the_checkout() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    coupon = give_coupon(uow)
    uow.promotions.redeemed[coupon.id] = None  # another checkout won the race
    token = uow.cart({SHOES: 1}, member_id=ANNA, coupon_code="TENOFF")
    error = await refused(uow, token, principal=member(ANNA))
    assert error.code == "COUPON_ALREADY_REDEEMED"
    assert uow.inventory.movements == [], "refused before anything was reserved"


async def test_a_coupon_of_another_member_is_refused_rather_than_dropped() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    give_coupon(uow, owner=ANNA + 1)
    token = uow.cart({SHOES: 1}, member_id=ANNA, coupon_code="TENOFF")
    error = await refused(uow, token, principal=member(ANNA))
    assert error.code == "COUPON_INVALID"
    assert uow.orders.placed == {}


async def test_a_refusal_for_want_of_stock_is_decided_before_the_promotions_are_read() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)

    async def unread(*_args: Any) -> Any:
        raise AssertionError("the promotions were read for a checkout refused for want of stock")

    uow.promotions.running_promotions = unread  # type: ignore[method-assign]
    error = await refused(uow, uow.cart({SHOES: 2}))
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "0"])


async def test_a_coupon_refused_is_the_answer_also_when_the_stock_is_short() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, WAREHOUSE, 1)
    give_coupon(uow, owner=ANNA + 1)
    token = uow.cart({SHOES: 2}, member_id=ANNA, coupon_code="TENOFF")
    error = await refused(uow, token, principal=member(ANNA))
    assert error.code == "COUPON_INVALID"
    assert uow.orders.placed == {} and uow.inventory.movements == []
