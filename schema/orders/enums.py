"""The enums of carts and orders: fulfilment method, order and fulfilment status, payments and order events.

Their own module so that inputs, types and resolvers of the area import them without importing
each other.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from domain.inventory.model import FulfilmentMethod as _DomainMethod
from domain.orders import records
from domain.orders.fulfilment import FulfilmentStatus as _DomainFulfilmentStatus
from domain.orders.model import OrderStatus as _DomainStatus
from schema.enums import graphql_enum

# The contract spells it the American way; the domain the British way.
_Method = Enum("FulfillmentMethod", {m.name: m.value for m in _DomainMethod}, type=str)  # type: ignore[misc]
FulfillmentMethod = graphql_enum(
    _Method,
    "How an order reaches the customer.",
    {
        "DELIVERY": "Shipped to an address, from a warehouse or a store that ships to homes.",
        "PICKUP": "Bought online, collected at a pickup store with a pickup code; the store must hold the stock.",
        "IN_STORE": "Carried out of the store: sold at the till from the store's shelf.",
        "ENDLESS_AISLE": "Ordered at a store's till for an item the store lacks; shipped from a warehouse to the "
        "customer's address.",
    },
)
OrderStatus = graphql_enum(
    _DomainStatus,
    "Where an order is in its life cycle.",
    {
        "UNPAID": "Placed, stock reserved, waiting for payment (cancelled when it expires).",
        "PAID": "Paid; waiting to be shipped or made ready for pickup.",
        "READY_FOR_PICKUP": "Waiting at the pickup store for the customer and their pickup code.",
        "SHIPPED": "Handed to the carrier.",
        "COMPLETED": "Delivered, picked up or carried out of the store; points have been earned.",
        "CANCELLED": "Cancelled (or expired unpaid); reserved stock released, spent points and payments refunded.",
        "PARTIALLY_RETURNED": "Some of the goods came back.",
        "RETURNED": "All of the goods came back.",
    },
)
_FulfilmentStatus = Enum("FulfillmentStatus", {m.name: m.value for m in _DomainFulfilmentStatus}, type=str)  # type: ignore[misc]
FulfillmentStatus = graphql_enum(
    _FulfilmentStatus,
    "Where one location's share of an order is.",
    {
        "PENDING": "To pick, pack and send (or hand over at the store).",
        "SHIPPED": "Handed to the carrier; its units have left the location.",
        "DELIVERED": "Delivered, collected or carried out of the store.",
        "CANCELLED": "The order was cancelled before it left.",
    },
)
PaymentMethod = graphql_enum(
    records.PaymentMethod,
    "How an order is paid.",
    {
        "CASH": "Cash at the till (recorded by the order's store's till only).",
        "CARD": "Bank card at the till's terminal (recorded by the order's store's till only).",
        "WECHAT_PAY": "WeChat Pay scanned at the till, confirmed by the till (online: a payment app).",
        "ALIPAY": "Alipay scanned at the till, confirmed by the till (online: a payment app).",
        "SANDBOX": "The test gateway, approving everything: only in demo and debug mode or with PAYMENTS_SANDBOX.",
    },
)
PaymentKind = graphql_enum(
    records.PaymentKind,
    "Whether money came in or went back.",
    {
        "CAPTURE": "Money received for the order.",
        "REFUND": "Money given back to the customer.",
    },
)
OrderEventType = graphql_enum(
    records.OrderEventType,
    "What happened to an order.",
    {
        "PLACED": "The order was placed at checkout and its stock reserved.",
        "PAID": "A payment covered the order.",
        "CANCELLED": "The order was cancelled.",
        "EXPIRED": "The order was not paid in time and was cancelled.",
        "SHIPPED": "The order, or one location's share of it, was handed to the carrier.",
        "DELIVERED": "The carrier delivered the order, or one location's share of it.",
        "READY_FOR_PICKUP": "The order is waiting at the pickup store.",
        "PICKUP_CODE_REJECTED": "Someone gave a wrong pickup code at the store.",
        "PICKED_UP": "The customer collected the order.",
        "COMPLETED": "The order completed.",
        "RETURNED": "Goods came back.",
        "REFUNDED": "Money went back to the customer.",
        "REFUND_FAILED": "The payment app reported that a refund failed: the money is still to go back "
        "(staff follow up with the provider; a later REFUND_SUCCESS is recorded as REFUNDED).",
        "POINTS_EARNED": "The member earned points for the order.",
        "COUPON_RETURNED": "The order was cancelled unpaid, so its coupon can be used again.",
    },
)


def method_of(value: Any) -> _DomainMethod:
    return _DomainMethod(value.value)
