"""Inputs of the cart, checkout, order and fulfilment mutations and of the `orders` and `fulfillments`
filters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.orders.carts import LineChange, LineRequest
from schema.members.inputs import AddressInput
from schema.orders.enums import FulfillmentMethod, FulfillmentStatus, OrderStatus, PaymentMethod
from schema.relay import decode_id


@strawberry.input(description="A variant and how many of it.")
class CartLineInput:
    variant_id: strawberry.ID = strawberry.field(
        description="The product variant; it must be priced in the cart's channel and its product published there."
    )
    quantity: int = strawberry.field(description="Units, 1 to 999 (added to a line of the same variant).")

    def to_request(self) -> LineRequest:
        return LineRequest(decode_id(self.variant_id, "ProductVariant"), self.quantity)


@strawberry.input(description="A new quantity for a line already in the cart.")
class CartLineUpdateInput:
    line_id: strawberry.ID = strawberry.field(description="The cart line.")
    quantity: int = strawberry.field(
        description="The line's new quantity, 1 to 999 (remove a line with `cartLinesRemove`)."
    )

    def to_change(self) -> LineChange:
        return LineChange(decode_id(self.line_id, "CartLine"), self.quantity)


@strawberry.input(description="A new cart.")
class CartCreateInput:
    channel: str | None = strawberry.field(
        default=None, description="The channel's slug; omitted means the default channel. Tills pass their POS channel."
    )
    lines: list[CartLineInput] | None = strawberry.field(default=None, description="Lines to start with.")
    member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff at a till: the member "
        "the till recognised, whose cart this is (they earn the "
        "points). Members' own carts are theirs without it.",
    )


@strawberry.input(description="How the cart's order is fulfilled.")
class CartFulfillmentInput:
    method: FulfillmentMethod = strawberry.field(
        description="DELIVERY and ENDLESS_AISLE need `address`; PICKUP needs `pickupLocationId`; IN_STORE and "
        "ENDLESS_AISLE are for carts opened at a till."
    )
    pickup_location_id: strawberry.ID | None = strawberry.field(
        default=None, description="PICKUP: an active store that is a pickup point of the cart's channel."
    )
    address: AddressInput | None = strawberry.field(
        default=None, description="DELIVERY and ENDLESS_AISLE: where the order goes."
    )


@strawberry.input(description="A payment of an order.")
class OrderPayInput:
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    amount: Decimal = strawberry.field(description="The amount paid: exactly what the order has due (its `amountDue`).")


@strawberry.input(description="Shipping details.")
class OrderShipInput:
    tracking_number: str | None = strawberry.field(
        default=None, description="The carrier's tracking number (at most 100 characters)."
    )


@strawberry.input(description="Shipping details of one fulfilment.")
class FulfillmentShipInput:
    tracking_number: str | None = strawberry.field(
        default=None, description="The carrier's tracking number (at most 100 characters)."
    )


@strawberry.input(description="Which fulfilments to list; every given condition must hold.")
class FulfillmentFilter:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this location's (store staff: their own, the default)."
    )
    status: FulfillmentStatus | None = strawberry.field(
        default=None, description="Only fulfilments in this status (PENDING: the queue to send)."
    )


@strawberry.input(description="A line of an order coming back, and how many units.")
class OrderReturnLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="The order line.")
    quantity: int = strawberry.field(description="Units coming back (at most what was sold and not yet returned).")


@strawberry.input(description="Goods coming back from a completed order.")
class OrderReturnInput:
    lines: list[OrderReturnLineInput] = strawberry.field(description="The lines and quantities returned.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Where the units go back on the shelf; omitted means where they were sold from."
    )


@strawberry.input(description="Which orders to list; every given condition must hold.")
class OrderFilter:
    status: OrderStatus | None = strawberry.field(
        default=None,
        description="Only orders in this status.",
    )
    channel: str | None = strawberry.field(default=None, description="Only orders of the channel with this slug.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only orders attributed to this store."
    )
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Staff: only this member's orders.")
    created_from: datetime | None = strawberry.field(
        default=None, description="Only orders placed at or after this moment (UTC when it has no offset)."
    )
    created_to: datetime | None = strawberry.field(
        default=None, description="Only orders placed before this moment (UTC when it has no offset)."
    )
