"""Who may see and act on an order.

A member's order is theirs; a guest's order has no member and is reached, like the guest's cart,
by its unguessable id. Staff are scoped by location, as they are for stock: admins and apps hold
their order permissions everywhere, every other staff user only for the orders of the location
they work at (a store manager refunds only their store's orders; staff without a location see
none).

An order belongs to (`order_locations`) its store, `orders.location_id` (the till's store for a
sale made at a till, whatever the fulfilment method, including ENDLESS_AISLE; the pickup store
for PICKUP), and to every location its units are allocated from (the warehouse or store that
ships a DELIVERY). A web delivery has no store: it belongs to the locations that fulfil it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from domain.access.model import AccessDenied as AccessDenied  # the caller sees the order but may not act on it
from domain.access.model import Permission, Principal, PrincipalKind, location_scope
from domain.access.model import SignInRequired as SignInRequired


@dataclass(frozen=True, slots=True)
class OrderScope:
    """The orders a list may show, narrowed to what the caller may see."""

    member_id: int | None = None  # only this member's orders
    belongs_to: int | None = None  # store staff: only the orders belonging to this location


def order_locations(store_id: int | None, allocated_from: Iterable[int]) -> frozenset[int]:
    """The locations an order belongs to: its store, if any, and those its units come from."""
    return frozenset(allocated_from) | ({store_id} if store_id is not None else frozenset())


def is_scoped(principal: Principal) -> bool:
    """Staff whose order rights stop at their location's orders."""
    return principal.can(Permission.VIEW_ORDERS) and not principal.can_everywhere(Permission.VIEW_ORDERS)


def is_buyer(member_id: int | None, principal: Principal) -> bool:
    """The member who placed the order, or, for a guest order, whoever holds its id."""
    return member_id is None or principal.member_id == member_id


def acts_on(permission: Permission, locations: Collection[int], principal: Principal) -> bool:
    """Holds `permission` for an order belonging to `locations`."""
    return any(principal.can_at(permission, loc) for loc in locations) or principal.can_everywhere(permission)


def sees_order(member_id: int | None, locations: Collection[int], principal: Principal) -> bool:
    return is_buyer(member_id, principal) or acts_on(Permission.VIEW_ORDERS, locations, principal)


def sees_fulfilment(
    member_id: int | None, location_id: int, principal: Principal, *, through_order: bool = False
) -> bool:
    """One location's share of an order: its buyer, and staff who view orders at that location
    (head office: everywhere); a store's staff never see the other locations' shares of an order.
    A guest order's are its guest's when reached through the order's unguessable id
    (`through_order`: `Order.fulfillments`), never by their own sequential id; a staff or app
    caller reached the order by permission and is no guest."""
    if member_id is not None:
        buyer = principal.member_id == member_id
    else:
        buyer = through_order and principal.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.MEMBER)
    return buyer or principal.can_at(Permission.VIEW_ORDERS, location_id)


def fulfilment_queue_scope(principal: Principal, requested: int | None) -> int | None:
    """The location a `fulfillments` list is limited to (None: every location), for staff who view
    orders: head office any (or all), a store's staff their own (by default; another location is
    refused rather than shown empty, as for stock records)."""
    if not principal.can(Permission.VIEW_ORDERS):
        raise (SignInRequired if principal.is_anonymous else AccessDenied)("Staff who view orders see fulfilments.")
    refusal = "Store staff see the fulfilments of their own location only."
    return location_scope(principal, Permission.VIEW_ORDERS, requested, refusal)


def sees_orders_of(member_id: int, principal: Principal) -> bool:
    """A member's order list: the member's own, and staff who view orders (store staff only the
    orders of their location, which the list itself filters)."""
    return principal.member_id == member_id or principal.can(Permission.VIEW_ORDERS)


def sells_at(location_id: int | None, principal: Principal) -> bool:
    """Staff at the till of the store the order belongs to."""
    return location_id is not None and principal.can_at(Permission.SELL_IN_STORE, location_id)


def serves_store(location_id: int | None, principal: Principal) -> bool:
    """Staff of a store who hand over its pickup orders (fulfilment staff or the till there)."""
    return location_id is not None and (
        principal.can_at(Permission.FULFIL_ORDERS, location_id)
        or principal.can_at(Permission.SELL_IN_STORE, location_id)
    )


def store_of(principal: Principal) -> int | None:
    """The location whose orders store staff are limited to; None for everyone else."""
    if not is_scoped(principal):
        return None
    if principal.location_id is None:
        raise AccessDenied("Staff see the orders of the location they work at, and you have none.")
    return principal.location_id


def order_list_scope(principal: Principal, member_id: int | None) -> OrderScope:
    """The root `orders` list: staff who view orders see all orders (store staff their location's)
    of any member or none; a member sees only their own; anyone else is told to sign in."""
    belongs_to = store_of(principal)
    if principal.can(Permission.VIEW_ORDERS):
        return OrderScope(member_id, belongs_to)
    if principal.member_id is None:
        raise (SignInRequired if principal.is_anonymous else AccessDenied)("Sign in to see orders.")
    if member_id is not None and member_id != principal.member_id:
        raise AccessDenied("Members see only their own orders.")
    return OrderScope(principal.member_id)


def member_orders_scope(member_id: int, principal: Principal) -> OrderScope:
    """`Member.orders`: the member's own, and staff who view orders (store staff only the orders
    of their location)."""
    if not sees_orders_of(member_id, principal):
        raise AccessDenied("Only the member and staff see a member's orders.")
    return OrderScope(member_id, store_of(principal) if principal.member_id != member_id else None)
