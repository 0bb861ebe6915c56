"""The order life cycle as a table of allowed transitions, and one `transition()` function.

    UNPAID --pay--> PAID --ship--> SHIPPED --deliver--> COMPLETED --return--> (PARTIALLY_)RETURNED
       |              |--ready for pickup--> READY_FOR_PICKUP --pick up--> COMPLETED
       |              |--(IN_STORE: paid at the till)--> COMPLETED
       '--cancel / expire--> CANCELLED   (PAID --cancel--> CANCELLED refunds)

Which path a paid order takes depends on its fulfilment method; an action the table does not
allow from the current status is INVALID_TRANSITION, never a silent change.
"""

from __future__ import annotations

from enum import Enum

from domain.errors import Code, DomainError
from domain.inventory.model import FulfilmentMethod


class OrderStatus(str, Enum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    PARTIALLY_RETURNED = "PARTIALLY_RETURNED"
    RETURNED = "RETURNED"


class OrderAction(str, Enum):
    PAY = "pay"
    CANCEL = "cancel"
    EXPIRE = "expire"
    SHIP = "ship"
    DELIVER = "deliver"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICK_UP = "pick_up"
    COMPLETE_IN_STORE = "complete_in_store"
    RETURN_PART = "return_part"
    RETURN_ALL = "return_all"


_SHIPPED_METHODS = frozenset({FulfilmentMethod.DELIVERY, FulfilmentMethod.ENDLESS_AISLE})
_ANY = frozenset(FulfilmentMethod)
_RETURNABLE = (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_RETURNED)

# (from status, action) -> (to status, fulfilment methods the step applies to)
TRANSITIONS: dict[tuple[OrderStatus, OrderAction], tuple[OrderStatus, frozenset[FulfilmentMethod]]] = {
    (OrderStatus.UNPAID, OrderAction.PAY): (OrderStatus.PAID, _ANY),
    (OrderStatus.UNPAID, OrderAction.CANCEL): (OrderStatus.CANCELLED, _ANY),
    (OrderStatus.UNPAID, OrderAction.EXPIRE): (OrderStatus.CANCELLED, _ANY),
    (OrderStatus.PAID, OrderAction.CANCEL): (OrderStatus.CANCELLED, _ANY),
    (OrderStatus.PAID, OrderAction.SHIP): (OrderStatus.SHIPPED, _SHIPPED_METHODS),
    (OrderStatus.PAID, OrderAction.READY_FOR_PICKUP): (
        OrderStatus.READY_FOR_PICKUP,
        frozenset({FulfilmentMethod.PICKUP}),
    ),
    (OrderStatus.PAID, OrderAction.COMPLETE_IN_STORE): (OrderStatus.COMPLETED, frozenset({FulfilmentMethod.IN_STORE})),
    (OrderStatus.READY_FOR_PICKUP, OrderAction.PICK_UP): (OrderStatus.COMPLETED, frozenset({FulfilmentMethod.PICKUP})),
    (OrderStatus.READY_FOR_PICKUP, OrderAction.CANCEL): (OrderStatus.CANCELLED, frozenset({FulfilmentMethod.PICKUP})),
    (OrderStatus.SHIPPED, OrderAction.DELIVER): (OrderStatus.COMPLETED, _SHIPPED_METHODS),
    **{(s, OrderAction.RETURN_PART): (OrderStatus.PARTIALLY_RETURNED, _ANY) for s in _RETURNABLE},
    **{(s, OrderAction.RETURN_ALL): (OrderStatus.RETURNED, _ANY) for s in _RETURNABLE},
}


def transition(status: OrderStatus, action: OrderAction, method: FulfilmentMethod) -> OrderStatus:
    """The status after `action`, or INVALID_TRANSITION."""
    step = TRANSITIONS.get((status, action))
    if step is None or method not in step[1]:
        raise DomainError(
            Code.INVALID_TRANSITION,
            f"An order that is {status.value} ({method.value}) cannot {action.value.replace('_', ' ')}.",
        )
    return step[0]


def allowed_actions(status: OrderStatus, method: FulfilmentMethod) -> list[OrderAction]:
    """What can happen next to an order (for clients that show buttons)."""
    return [a for (s, a), (_, methods) in TRANSITIONS.items() if s is status and method in methods]
