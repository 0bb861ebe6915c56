"""Fulfilments: each location's share of an order, shipped and delivered on its own.

An order has one fulfilment per location its units are allocated from; a fulfilment's lines are
the order's allocations at its location. The life cycle of one fulfilment:

    PENDING --ship--> SHIPPED --deliver--> DELIVERED
       |--hand over (pickup, paid at the till)--> DELIVERED
       '--cancel--> CANCELLED

The order follows its fulfilments: SHIPPED once every fulfilment not cancelled has left,
COMPLETED once every one is delivered or handed over (`order_step`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from domain.errors import Code, DomainError
from domain.inventory.model import Allocation
from domain.orders.model import OrderAction, OrderStatus


class FulfilmentStatus(str, Enum):
    PENDING = "PENDING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class FulfilmentAction(str, Enum):
    SHIP = "ship"
    DELIVER = "deliver"
    HAND_OVER = "hand_over"
    CANCEL = "cancel"


TRANSITIONS: dict[tuple[FulfilmentStatus, FulfilmentAction], FulfilmentStatus] = {
    (FulfilmentStatus.PENDING, FulfilmentAction.SHIP): FulfilmentStatus.SHIPPED,
    (FulfilmentStatus.PENDING, FulfilmentAction.HAND_OVER): FulfilmentStatus.DELIVERED,
    (FulfilmentStatus.PENDING, FulfilmentAction.CANCEL): FulfilmentStatus.CANCELLED,
    (FulfilmentStatus.SHIPPED, FulfilmentAction.DELIVER): FulfilmentStatus.DELIVERED,
}

_LEFT = frozenset({FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED})


@dataclass(frozen=True, slots=True)
class FulfilmentState:
    id: int
    order_id: int
    location_id: int
    status: FulfilmentStatus
    tracking_number: str | None = None


def fulfilment_transition(status: FulfilmentStatus, action: FulfilmentAction) -> FulfilmentStatus:
    """The status after `action`, or INVALID_TRANSITION."""
    after = TRANSITIONS.get((status, action))
    if after is None:
        raise DomainError(
            Code.INVALID_TRANSITION,
            f"A fulfilment that is {status.value} cannot {action.value.replace('_', ' ')}.",
        )
    return after


def order_step(statuses: Iterable[FulfilmentStatus]) -> OrderAction | None:
    """What the order does once its fulfilments are in `statuses`: DELIVER when all are delivered,
    SHIP when all have left (delivered or not), nothing while one is pending. Cancelled ones
    do not count."""
    live = [s for s in statuses if s is not FulfilmentStatus.CANCELLED]
    if not live or any(s not in _LEFT for s in live):
        return None
    return OrderAction.DELIVER if all(s is FulfilmentStatus.DELIVERED for s in live) else OrderAction.SHIP


def whole_order_status(status: OrderStatus) -> FulfilmentStatus:
    """The status of every fulfilment of an order that moved as a whole (orders from before
    fulfilments, the demo's history): shipped, delivered once completed (or returned since),
    cancelled, else pending."""
    if status is OrderStatus.SHIPPED:
        return FulfilmentStatus.SHIPPED
    if status in (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_RETURNED, OrderStatus.RETURNED):
        return FulfilmentStatus.DELIVERED
    return FulfilmentStatus.CANCELLED if status is OrderStatus.CANCELLED else FulfilmentStatus.PENDING


def fulfilment_locations(allocations: Iterable[Allocation]) -> list[int]:
    """The locations an order is fulfilled from: one fulfilment each, in id order."""
    return sorted({a.location_id for a in allocations})


def allocations_at(allocations: Iterable[Allocation], location_id: int) -> list[Allocation]:
    """A fulfilment's lines: the order's allocations at its location."""
    return [a for a in allocations if a.location_id == location_id]
