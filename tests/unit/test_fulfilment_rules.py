"""The fulfilment rules, pure: the status table, the order status that follows, who sees a fulfilment,
whose queue a caller reads and who sees where a parcel goes."""

from __future__ import annotations

import pytest

from domain.access.model import ANONYMOUS, AccessDenied, SignInRequired, StaffRole, member, staff
from domain.access.personal import sees_parcel_recipient
from domain.errors import DomainError
from domain.inventory.model import Allocation
from domain.orders.access import fulfilment_queue_scope, sees_fulfilment
from domain.orders.fulfilment import (
    FulfilmentAction,
    FulfilmentStatus,
    allocations_at,
    fulfilment_locations,
    fulfilment_transition,
    order_step,
    whole_order_status,
)
from domain.orders.model import OrderAction, OrderStatus

P, S, D, C = FulfilmentStatus.PENDING, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED
SH01, SH04, WH = 1, 4, 9
ADMIN = staff(1, StaffRole.ADMIN)
PACKER_SH04 = staff(2, StaffRole.FULFILLMENT, SH04)
CASHIER_SH01 = staff(3, StaffRole.CASHIER, SH01)


@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        (P, FulfilmentAction.SHIP, S),
        (P, FulfilmentAction.HAND_OVER, D),
        (P, FulfilmentAction.CANCEL, C),
        (S, FulfilmentAction.DELIVER, D),
    ],
)
def test_allowed_steps(status: FulfilmentStatus, action: FulfilmentAction, after: FulfilmentStatus) -> None:
    assert fulfilment_transition(status, action) is after


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (P, FulfilmentAction.DELIVER),
        (S, FulfilmentAction.SHIP),
        (S, FulfilmentAction.CANCEL),
        (D, FulfilmentAction.SHIP),
    ]
    + [(C, a) for a in FulfilmentAction],
)
def test_other_steps_are_invalid_transitions(status: FulfilmentStatus, action: FulfilmentAction) -> None:
    with pytest.raises(DomainError) as caught:
        fulfilment_transition(status, action)
    assert caught.value.code == "INVALID_TRANSITION"


@pytest.mark.parametrize(
    ("statuses", "step"),
    [
        ([P, P], None),
        ([S, P], None),
        ([S, S], OrderAction.SHIP),
        ([D, S], OrderAction.SHIP),
        ([S, C], OrderAction.SHIP),
        ([D, D], OrderAction.DELIVER),
        ([D, C], OrderAction.DELIVER),
        ([C, C], None),
    ],
)
def test_the_order_follows_its_fulfilments(statuses: list[FulfilmentStatus], step: OrderAction | None) -> None:
    assert order_step(statuses) is step


def test_one_fulfilment_per_location_with_that_locations_allocations() -> None:
    allocations = [Allocation("1", 7, WH, 1), Allocation("2", 8, SH04, 2), Allocation("3", 9, WH, 1)]
    assert fulfilment_locations(allocations) == [SH04, WH]
    assert allocations_at(allocations, WH) == [allocations[0], allocations[2]]


def test_staff_see_their_locations_fulfilments_and_the_buyer_theirs() -> None:
    assert sees_fulfilment(5, SH04, PACKER_SH04) and not sees_fulfilment(5, WH, PACKER_SH04)
    assert not sees_fulfilment(5, SH04, CASHIER_SH01)
    assert sees_fulfilment(5, WH, ADMIN) and sees_fulfilment(5, WH, member(5))
    assert not sees_fulfilment(5, WH, member(6))


def test_a_guest_orders_fulfilments_are_seen_by_their_own_id_only_by_staff() -> None:
    assert not sees_fulfilment(None, WH, ANONYMOUS)
    assert sees_fulfilment(None, WH, ANONYMOUS, through_order=True)
    assert not sees_fulfilment(None, WH, PACKER_SH04, through_order=True), "staff reach it by permission"


def test_the_queue_of_store_staff_is_their_locations() -> None:
    assert fulfilment_queue_scope(PACKER_SH04, None) == SH04
    assert fulfilment_queue_scope(PACKER_SH04, SH04) == SH04
    with pytest.raises(AccessDenied):
        fulfilment_queue_scope(PACKER_SH04, WH)
    assert fulfilment_queue_scope(ADMIN, WH) == WH and fulfilment_queue_scope(ADMIN, None) is None
    with pytest.raises(SignInRequired):
        fulfilment_queue_scope(ANONYMOUS, None)
    with pytest.raises(AccessDenied):
        fulfilment_queue_scope(member(5), None)


def test_only_the_sending_locations_fulfilment_staff_see_where_a_parcel_goes() -> None:
    assert sees_parcel_recipient(PACKER_SH04, 5, SH04)
    assert not sees_parcel_recipient(PACKER_SH04, 5, WH), "fulfilment staff elsewhere do not"
    assert sees_parcel_recipient(member(5), 5, WH) and not sees_parcel_recipient(member(6), 5, WH)


@pytest.mark.parametrize(
    ("order", "fulfilment"),
    [
        (OrderStatus.UNPAID, P),
        (OrderStatus.PAID, P),
        (OrderStatus.READY_FOR_PICKUP, P),
        (OrderStatus.SHIPPED, S),
        (OrderStatus.COMPLETED, D),
        (OrderStatus.PARTIALLY_RETURNED, D),
        (OrderStatus.RETURNED, D),
        (OrderStatus.CANCELLED, C),
    ],
)
def test_an_order_that_moved_whole_gives_its_fulfilments_its_status(
    order: OrderStatus, fulfilment: FulfilmentStatus
) -> None:
    assert whole_order_status(order) is fulfilment
