"""Shipping and delivering by fulfilment, over the in-memory unit of work: a delivery order split
between the store and the warehouse ships and is delivered part by part, each location's staff
acting on their own part; stock leaves a location when its part ships."""

from __future__ import annotations

import pytest

from domain.access.model import StaffRole, staff
from domain.errors import DomainError
from domain.inventory.model import FulfilmentMethod, MovementKind
from domain.orders.access import AccessDenied
from domain.orders.checkout import complete_checkout
from domain.orders.fulfilment import FulfilmentState, FulfilmentStatus
from domain.orders.fulfilment_services import deliver_order, ship_fulfilment, ship_order
from domain.orders.model import OrderStatus
from domain.orders.services import cancel_order, pick_up, ready_for_pickup
from tests.fakes import STORE, WAREHOUSE, FakeUow, Placed
from tests.order_steps import ANNA, BUYER, PACKER, PACKER_AT_STORE, PAYMENTS, POLICY, SERVICE, SHOES, pay, refused

HAT = 2


async def split(uow: FakeUow) -> tuple[Placed, FulfilmentState, FulfilmentState]:
    """Arrange: a paid delivery order of shoes only the store holds and a hat only the warehouse holds."""
    uow.inventory.stock(SHOES, STORE, 3)
    uow.inventory.stock(HAT, WAREHOUSE, 4)
    ref = await complete_checkout(uow, BUYER, uow.cart({SHOES: 1, HAT: 2}, member_id=ANNA), "k", secret="s")
    order = uow.orders.placed[ref.id]
    await pay(uow, order)
    at_store, at_warehouse = sorted(await uow.orders.fulfilments(ref.id), key=lambda f: f.location_id != STORE)
    return order, at_store, at_warehouse


def status(uow: FakeUow, f: FulfilmentState) -> tuple[FulfilmentStatus, str | None]:
    now = uow.orders.parts[f.id]
    return now.status, now.tracking_number


async def test_checkout_makes_one_fulfilment_per_location_stock_leaves_from() -> None:
    uow = FakeUow()
    _, at_store, at_warehouse = await split(uow)
    assert (at_store.location_id, at_warehouse.location_id) == (STORE, WAREHOUSE)
    assert at_store.status is at_warehouse.status is FulfilmentStatus.PENDING


async def test_each_part_ships_with_its_own_tracking_number_and_the_order_ships_with_the_last() -> None:
    uow = FakeUow()
    order, at_store, at_warehouse = await split(uow)
    await ship_fulfilment(uow, PACKER_AT_STORE, at_store.id, tracking_number="SF1")
    assert status(uow, at_store) == (FulfilmentStatus.SHIPPED, "SF1")
    assert order.state.status is OrderStatus.PAID
    assert uow.level(SHOES, STORE) == (2, 0) and uow.level(HAT, WAREHOUSE) == (4, 2), "only the store's units left"
    await ship_fulfilment(uow, PACKER, at_warehouse.id, tracking_number="YT2")
    assert status(uow, at_warehouse) == (FulfilmentStatus.SHIPPED, "YT2")
    assert order.state.status is OrderStatus.SHIPPED and order.extra["tracking_number"] is None
    assert uow.level(HAT, WAREHOUSE) == (2, 0)
    assert [m.kind for m in uow.inventory.movements[-2:]] == [MovementKind.SALE, MovementKind.SALE]


async def test_the_order_completes_when_every_part_is_delivered() -> None:
    uow = FakeUow()
    order, at_store, at_warehouse = await split(uow)
    await ship_fulfilment(uow, PACKER_AT_STORE, at_store.id, tracking_number="SF1")
    await ship_fulfilment(uow, PACKER, at_warehouse.id, tracking_number="YT2")
    await deliver_order(uow, PACKER_AT_STORE, order.state.token, policy=POLICY)
    assert status(uow, at_store)[0] is FulfilmentStatus.DELIVERED and order.state.status is OrderStatus.SHIPPED
    await deliver_order(uow, PACKER, order.state.token, policy=POLICY)
    assert order.state.status is OrderStatus.COMPLETED and order.state.points_earned == 300


async def test_store_staff_ship_only_their_locations_part() -> None:
    uow = FakeUow()
    order, at_store, at_warehouse = await split(uow)
    with pytest.raises(DomainError) as caught:
        await ship_fulfilment(uow, PACKER_AT_STORE, at_warehouse.id, tracking_number=None)
    assert caught.value.code == "NOT_FOUND", "another location's part is not theirs to see"
    await ship_order(uow, PACKER_AT_STORE, order.state.token, tracking_number="SF1")
    assert status(uow, at_store)[0] is FulfilmentStatus.SHIPPED
    assert status(uow, at_warehouse)[0] is FulfilmentStatus.PENDING and order.state.status is OrderStatus.PAID
    error = await refused(ship_order(uow, PACKER_AT_STORE, order.state.token, tracking_number=None))
    assert error.code == "INVALID_TRANSITION", "nothing of theirs is left to ship"


async def test_a_cashier_of_the_location_sees_its_part_but_does_not_ship_it() -> None:
    uow = FakeUow()
    _, at_store, _ = await split(uow)
    with pytest.raises(AccessDenied):
        await ship_fulfilment(uow, staff(98, StaffRole.CASHIER, STORE), at_store.id, tracking_number=None)


async def test_head_office_ships_every_part_at_once_with_one_tracking_number() -> None:
    uow = FakeUow()
    order, at_store, at_warehouse = await split(uow)
    await ship_order(uow, SERVICE, order.state.token, tracking_number="SF9")
    assert status(uow, at_store) == status(uow, at_warehouse) == (FulfilmentStatus.SHIPPED, "SF9")
    assert order.state.status is OrderStatus.SHIPPED and order.extra["tracking_number"] == "SF9"


async def test_a_part_is_shipped_once() -> None:
    uow = FakeUow()
    _, at_store, _ = await split(uow)
    await ship_fulfilment(uow, PACKER_AT_STORE, at_store.id, tracking_number=None)
    error = await refused(ship_fulfilment(uow, PACKER_AT_STORE, at_store.id, tracking_number=None))
    assert error.code == "INVALID_TRANSITION"
    assert uow.level(SHOES, STORE) == (2, 0), "sold once"


async def test_cancelling_cancels_every_part_and_a_partly_shipped_order_is_not_cancelled() -> None:
    uow = FakeUow()
    order, at_store, at_warehouse = await split(uow)
    await cancel_order(uow, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS)
    assert status(uow, at_store)[0] is status(uow, at_warehouse)[0] is FulfilmentStatus.CANCELLED
    other = FakeUow()
    order, at_store, _ = await split(other)
    await ship_fulfilment(other, PACKER_AT_STORE, at_store.id, tracking_number=None)
    error = await refused(cancel_order(other, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS))
    assert error.code == "INVALID_TRANSITION" and order.state.status is OrderStatus.PAID


async def test_a_picked_up_order_hands_over_its_one_part_at_the_store() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 3)
    cart = uow.cart({SHOES: 1}, member_id=ANNA, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    ref = await complete_checkout(uow, BUYER, cart, "k", secret="s")
    order = uow.orders.placed[ref.id]
    await pay(uow, order)
    [part] = await uow.orders.fulfilments(ref.id)
    assert part.location_id == STORE
    await ready_for_pickup(uow, PACKER_AT_STORE, order.state.token)
    assert status(uow, part)[0] is FulfilmentStatus.PENDING
    await pick_up(uow, PACKER_AT_STORE, order.state.token, ref.pickup_code or "", policy=POLICY)
    assert status(uow, part)[0] is FulfilmentStatus.DELIVERED and order.state.status is OrderStatus.COMPLETED
