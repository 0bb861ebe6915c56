"""Who may see and act on an order.

A member's order is theirs (and readable by staff who view orders); a guest's order has no
member and is reached, like the guest's cart, by its unguessable id. Tills act on the orders of
their own store; customer service (MANAGE_ORDERS) on every order.
"""

from __future__ import annotations

from domain.access.model import Permission, Principal


class AccessDenied(Exception):
    """The caller sees the order but may not do this to it (a top-level FORBIDDEN, not a userError)."""


def is_buyer(member_id: int | None, principal: Principal) -> bool:
    """The member who placed the order, or, for a guest order, whoever holds its id."""
    return member_id is None or principal.member_id == member_id


def sees_order(member_id: int | None, principal: Principal) -> bool:
    return is_buyer(member_id, principal) or principal.can(Permission.VIEW_ORDERS)


def sells_at(location_id: int | None, principal: Principal) -> bool:
    """Staff at the till of the store the order belongs to."""
    return location_id is not None and principal.can_at(Permission.SELL_IN_STORE, location_id)


def serves_store(location_id: int | None, principal: Principal) -> bool:
    """Staff of a store who hand over its pickup orders (fulfilment staff or the till there)."""
    return location_id is not None and (principal.can_at(Permission.FULFIL_ORDERS, location_id)
                                        or principal.can_at(Permission.SELL_IN_STORE, location_id))
