"""Shipping and delivering by fulfilment: `fulfillmentShip` ships one location's share of an order;
`orderShip` and `orderDeliver` ship or deliver every fulfilment of the order the caller acts for
(head office: all of them; a store's or the warehouse's fulfilment staff: their location's).

A fulfilment's units are sold (the SALE movement) when it ships; the order becomes SHIPPED when
every fulfilment not cancelled has left, and COMPLETED (points earned) when every one is
delivered (`fulfilment.order_step`). Each step locks the order row first, like every order use
case, so two locations shipping their parts at once queue up and the last one moves the order.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.access.model import Permission, Principal
from domain.errors import Code, DomainError, input_field
from domain.inventory.model import MovementKind
from domain.inventory.services import move_allocations
from domain.members.points_services import PointsPolicy
from domain.orders.access import AccessDenied, acts_on, sees_fulfilment
from domain.orders.fulfilment import (
    FulfilmentAction,
    FulfilmentState,
    FulfilmentStatus,
    allocations_at,
    fulfilment_transition,
    order_step,
)
from domain.orders.model import OrderAction, transition
from domain.orders.records import OrderEventType
from domain.orders.services import OrderState, OrdersUnitOfWork, complete_order, load_order, record_event
from domain.settlement.services import record_shipment

MAX_TRACKING = 100


def _tracking(tracking_number: str | None) -> str | None:
    tracking = (tracking_number or "").strip() or None
    if tracking is not None and len(tracking) > MAX_TRACKING:
        raise DomainError(
            Code.INVALID, f"A tracking number has at most {MAX_TRACKING} characters.", input_field("trackingNumber")
        )
    return tracking


def _theirs(parts: Sequence[FulfilmentState], status: FulfilmentStatus, principal: Principal) -> list[FulfilmentState]:
    """The fulfilments in `status` at locations where the caller fulfils orders."""
    return [f for f in parts if f.status is status and principal.can_at(Permission.FULFIL_ORDERS, f.location_id)]


async def _ship(
    uow: OrdersUnitOfWork,
    order: OrderState,
    principal: Principal,
    parts: Sequence[FulfilmentState],
    chosen: Sequence[FulfilmentState],
    tracking: str | None,
) -> None:
    """Ship `chosen` (of the order's `parts`): their units are sold; the order is SHIPPED once all have
    left, carrying the tracking number when this one shipment took everything."""
    status = transition(order.status, OrderAction.SHIP, order.method)
    for f in chosen:
        fulfilment_transition(f.status, FulfilmentAction.SHIP)
    allocations = await uow.orders.allocations(order.id)
    leaving = [a for f in chosen for a in allocations_at(allocations, f.location_id)]
    await move_allocations(uow, leaving, MovementKind.SALE, order.reference, staff_id=principal.staff_id)
    ids = {f.id for f in chosen}
    await uow.orders.record_fulfilment_shipment(sorted(ids), tracking)
    await record_shipment(uow, order.id, sorted({f.location_id for f in chosen}), uow.clock())
    after = [FulfilmentStatus.SHIPPED if f.id in ids else f.status for f in parts]
    await record_event(uow, order, principal, OrderEventType.SHIPPED, tracking_number=tracking, fulfilments=sorted(ids))
    if order_step(after) is OrderAction.SHIP:
        live = [f for f in parts if f.status is not FulfilmentStatus.CANCELLED]
        await uow.orders.record_shipment(order.id, status, tracking if len(ids) == len(live) else None)


async def ship_order(
    uow: OrdersUnitOfWork, principal: Principal, token: str | None, *, tracking_number: str | None
) -> str:
    """`orderShip`: hand a paid DELIVERY or ENDLESS_AISLE order to the carrier, as far as the caller
    fulfils it: every pending fulfilment at a location where they fulfil orders."""
    order = await load_order(uow, principal, token)
    if not acts_on(Permission.FULFIL_ORDERS, order.locations, principal):
        raise AccessDenied("Only fulfilment staff of a location the order belongs to ship and deliver it.")
    tracking = _tracking(tracking_number)
    transition(order.status, OrderAction.SHIP, order.method)
    parts = await uow.orders.fulfilments(order.id)
    chosen = _theirs(parts, FulfilmentStatus.PENDING, principal)
    if not chosen:
        raise DomainError(Code.INVALID_TRANSITION, "Nothing of this order waits to ship from your location.")
    await _ship(uow, order, principal, parts, chosen, tracking)
    return order.token


async def ship_fulfilment(
    uow: OrdersUnitOfWork, principal: Principal, fulfilment_id: int, *, tracking_number: str | None
) -> int:
    """`fulfillmentShip`: the fulfilment staff of its location (or head office) hand one location's
    share of a paid order to the carrier, with its own tracking number."""
    token = await uow.orders.fulfilment_order(fulfilment_id)
    order = await load_order(uow, principal, token) if token else None
    parts = await uow.orders.fulfilments(order.id) if order else []
    part = next((f for f in parts if f.id == fulfilment_id), None)
    if order is None or part is None or not sees_fulfilment(order.member_id, part.location_id, principal):
        raise DomainError(Code.NOT_FOUND, "No such fulfilment.", ["id"])
    if not principal.can_at(Permission.FULFIL_ORDERS, part.location_id):
        raise AccessDenied("Only fulfilment staff of the fulfilment's location ship it.")
    await _ship(uow, order, principal, parts, [part], _tracking(tracking_number))
    return part.id


async def deliver_order(uow: OrdersUnitOfWork, principal: Principal, token: str | None, *, policy: PointsPolicy) -> str:
    """`orderDeliver`: the carrier delivered the shipped fulfilments at the caller's locations; once
    every fulfilment is delivered the order completes and the member earns points."""
    order = await load_order(uow, principal, token)
    if not acts_on(Permission.FULFIL_ORDERS, order.locations, principal):
        raise AccessDenied("Only fulfilment staff of a location the order belongs to ship and deliver it.")
    transition(order.status, OrderAction.DELIVER, order.method)
    parts = await uow.orders.fulfilments(order.id)
    chosen = _theirs(parts, FulfilmentStatus.SHIPPED, principal)
    if not chosen:
        raise DomainError(Code.INVALID_TRANSITION, "Nothing of this order shipped from your location waits delivery.")
    ids = {f.id for f in chosen}
    await uow.orders.set_fulfilments(sorted(ids), FulfilmentStatus.DELIVERED)
    await record_event(uow, order, principal, OrderEventType.DELIVERED, fulfilments=sorted(ids))
    if order_step(FulfilmentStatus.DELIVERED if f.id in ids else f.status for f in parts) is OrderAction.DELIVER:
        await complete_order(uow, order, principal, policy, uow.clock())
    return order.token
