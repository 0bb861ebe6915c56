"""Cart use cases over the in-memory unit of work: who opens and changes a cart, how lines add
up, and what fulfilment and points a cart may choose."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.access.model import ANONYMOUS, StaffRole, member, staff
from domain.errors import DomainError, DomainErrors
from domain.inventory.model import FulfilmentMethod
from domain.members.model import AddressData
from domain.orders.cart_rules import MAX_LINE_QUANTITY
from domain.orders.carts import (
    LineChange,
    LineRequest,
    add_lines,
    apply_points,
    create_cart,
    remove_lines,
    set_fulfilment,
    update_lines,
)
from tests.fakes import POS, STORE, WAREHOUSE, WEB, FakeUow

SHOES, SOCKS, ANNA = 1, 2, 5
CASHIER = staff(9, StaffRole.CASHIER, STORE)
ADDRESS = AddressData("Anna", "+8613800138000", "1 Nanjing Rd", "Shanghai", "CN")


async def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


def sold(uow: FakeUow, *variants: int) -> None:
    for v in variants:
        uow.carts.prices_of[(WEB, v)] = Decimal(10)


# --- opening -------------------------------------------------------------------------------------


async def test_a_members_cart_is_theirs_and_a_guests_is_nobodys() -> None:
    uow = FakeUow()
    mine = await create_cart(uow, member(ANNA), channel_slug=None, lines=[])
    guest = await create_cart(uow, ANONYMOUS, channel_slug="web", lines=[])
    assert uow.carts.carts[mine].member_id == ANNA and uow.carts.carts[guest].member_id is None


async def test_a_cart_opens_with_its_lines_and_names_each_one_not_for_sale() -> None:
    uow = FakeUow()
    sold(uow, SHOES)
    lines = [LineRequest(SHOES, 1), LineRequest(SOCKS, 1), LineRequest(None, 1)]
    with pytest.raises(DomainErrors) as caught:
        await create_cart(uow, ANONYMOUS, channel_slug=None, lines=lines)
    assert [e.field for e in caught.value.errors] == [
        ["input", "lines", "1", "variantId"],
        ["input", "lines", "2", "variantId"],
    ]
    token = await create_cart(uow, ANONYMOUS, channel_slug=None, lines=lines[:1])
    assert [(ln.variant_id, ln.quantity) for ln in await uow.carts.lines(uow.carts.carts[token].id)] == [(SHOES, 1)]


async def test_an_unknown_channel_is_not_found() -> None:
    error = await refused(create_cart(FakeUow(), ANONYMOUS, channel_slug="nowhere", lines=[]))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "channel"])


async def test_a_till_channels_carts_are_opened_by_staff_at_its_stores() -> None:
    uow = FakeUow()
    error = await refused(create_cart(uow, member(ANNA), channel_slug="pos", lines=[]))
    assert error.code == "CHANNEL_NOT_ALLOWED"
    uow.points.balances[ANNA] = 0  # the member exists
    token = await create_cart(uow, CASHIER, channel_slug="pos", lines=[], member_id=ANNA, member_given=True)
    cart = uow.carts.carts[token]
    assert (cart.staff_id, cart.location_id, cart.member_id) == (9, STORE, ANNA)


async def test_only_staff_at_a_till_open_a_cart_for_a_member() -> None:
    uow = FakeUow()
    uow.points.balances[ANNA] = 0
    error = await refused(
        create_cart(uow, member(ANNA), channel_slug=None, lines=[], member_id=ANNA, member_given=True)
    )
    assert (error.code, error.field) == ("INVALID", ["input", "memberId"])
    error = await refused(create_cart(uow, CASHIER, channel_slug="pos", lines=[], member_id=77, member_given=True))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "memberId"])


# --- lines ---------------------------------------------------------------------------------------


async def test_adding_a_variant_already_in_the_cart_adds_to_its_line() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 2})
    await add_lines(uow, ANONYMOUS, token, [LineRequest(SHOES, 3)])
    assert [(ln.variant_id, ln.quantity) for ln in await uow.carts.lines(1)] == [(SHOES, 5)]


async def test_a_line_holds_at_most_the_maximum_even_when_added_up() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: MAX_LINE_QUANTITY})
    error = await refused(add_lines(uow, ANONYMOUS, token, [LineRequest(SHOES, 1)]))
    assert (error.code, error.field) == ("INVALID_QUANTITY", ["lines", "0", "quantity"])


async def test_changing_or_removing_a_line_of_another_cart_is_not_found() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1})
    other = uow.cart({SOCKS: 1})
    foreign = (await uow.carts.lines(uow.carts.carts[other].id))[0].id
    error = await refused(update_lines(uow, ANONYMOUS, token, [LineChange(foreign, 2)]))
    assert (error.code, error.field) == ("NOT_FOUND", ["lines", "0", "lineId"])
    error = await refused(remove_lines(uow, ANONYMOUS, token, [foreign]))
    assert (error.code, error.field) == ("NOT_FOUND", ["lineIds", "0"])
    mine = (await uow.carts.lines(1))[0].id
    await update_lines(uow, ANONYMOUS, token, [LineChange(mine, 4)])
    assert (await uow.carts.lines(1))[0].quantity == 4
    await remove_lines(uow, ANONYMOUS, token, [mine])
    assert await uow.carts.lines(1) == []


async def test_a_checked_out_cart_does_not_change() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, completed=True)
    error = await refused(add_lines(uow, ANONYMOUS, token, [LineRequest(SHOES, 1)]))
    assert (error.code, error.message) == ("INVALID", "The cart has been checked out; start a new cart.")


async def test_a_members_cart_does_not_exist_for_anyone_else() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, member_id=ANNA)
    for someone in (ANONYMOUS, member(ANNA + 1)):
        assert (await refused(add_lines(uow, someone, token, [LineRequest(SHOES, 1)]))).code == "NOT_FOUND"


async def test_a_tills_cart_is_changed_only_at_the_till() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=9, location_id=STORE, member_id=ANNA)
    error = await refused(add_lines(uow, member(ANNA), token, [LineRequest(SHOES, 1)]))
    assert (error.code, error.field) == ("INVALID", ["cartId"])
    await add_lines(uow, CASHIER, token, [LineRequest(SHOES, 1)])


# --- fulfilment and points -----------------------------------------------------------------------


async def fulfil(uow: FakeUow, token: str, method: FulfilmentMethod, **kw: Any) -> str:
    args: dict[str, Any] = {"pickup_location_id": None, "pickup_given": False, "address": None, "phone_region": "CN"}
    return await set_fulfilment(uow, ANONYMOUS, token, method=method, **{**args, **kw})


async def test_pickup_is_at_a_pickup_store_of_the_channel() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, method=None, address=None)
    error = await refused(fulfil(uow, token, FulfilmentMethod.PICKUP))
    assert error.code == "PICKUP_LOCATION_REQUIRED"
    error = await refused(fulfil(uow, token, FulfilmentMethod.PICKUP, pickup_location_id=WAREHOUSE))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "pickupLocationId"])
    await fulfil(uow, token, FulfilmentMethod.PICKUP, pickup_location_id=STORE)
    cart = uow.carts.carts[token]
    assert (cart.method, cart.pickup_location_id, cart.address) == (FulfilmentMethod.PICKUP, STORE, None)


async def test_a_delivery_keeps_a_checked_address() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1}, method=None, address=None)
    assert (await refused(fulfil(uow, token, FulfilmentMethod.DELIVERY))).code == "REQUIRED"
    await fulfil(uow, token, FulfilmentMethod.DELIVERY, address=ADDRESS)
    address = uow.carts.carts[token].address
    assert address is not None and (address["city"], address["country"]) == ("Shanghai", "CN")


async def test_in_store_and_endless_aisle_are_only_for_a_tills_cart() -> None:
    uow = FakeUow()
    token = uow.cart({SHOES: 1})
    for method in (FulfilmentMethod.IN_STORE, FulfilmentMethod.ENDLESS_AISLE):
        error = await refused(fulfil(uow, token, method, address=ADDRESS))
        assert (error.code, error.field) == ("INVALID", ["input", "method"])


async def test_points_pay_only_a_members_cart_and_only_what_the_balance_holds() -> None:
    uow = FakeUow()
    guest = uow.cart({SHOES: 1})
    assert (await refused(apply_points(uow, ANONYMOUS, guest, 10))).code == "INVALID"
    token = uow.cart({SHOES: 1}, member_id=ANNA)
    uow.points.balances[ANNA] = 500
    assert (await refused(apply_points(uow, member(ANNA), token, 501))).code == "INSUFFICIENT_POINTS"
    assert (await refused(apply_points(uow, member(ANNA), token, -1))).code == "INVALID_QUANTITY"
    await apply_points(uow, member(ANNA), token, 500)
    assert uow.carts.carts[token].points == 500
