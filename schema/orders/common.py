"""What carts and orders share: the fulfilment and payment enums, discounts and delivery addresses."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from domain.inventory.model import FulfilmentMethod as _DomainMethod
from domain.orders import records
from domain.orders.model import OrderStatus as _DomainStatus
from schema.context import Info
from schema.enums import graphql_enum
from schema.money import Money
from schema.relay import register_node

# The contract spells it the American way; the domain the British way.
_Method = Enum("FulfillmentMethod", {m.name: m.value for m in _DomainMethod}, type=str)  # type: ignore[misc]
FulfillmentMethod = graphql_enum(_Method, "How an order reaches the customer.", {
    "DELIVERY": "Shipped to an address, from a warehouse or a store that ships to homes.",
    "PICKUP": "Bought online, collected at a pickup store with a pickup code; the store must hold the stock.",
    "IN_STORE": "Carried out of the store: sold at the till from the store's shelf.",
    "ENDLESS_AISLE": "Ordered at a store's till for an item the store lacks; shipped from a warehouse to the "
                     "customer's address.",
})
OrderStatus = graphql_enum(_DomainStatus, "Where an order is in its life cycle.", {
    "UNPAID": "Placed, stock reserved, waiting for payment (cancelled when it expires).",
    "PAID": "Paid; waiting to be shipped or made ready for pickup.",
    "READY_FOR_PICKUP": "Waiting at the pickup store for the customer and their pickup code.",
    "SHIPPED": "Handed to the carrier.",
    "COMPLETED": "Delivered, picked up or carried out of the store; points have been earned.",
    "CANCELLED": "Cancelled (or expired unpaid); reserved stock released, spent points and payments refunded.",
    "PARTIALLY_RETURNED": "Some of the goods came back.",
    "RETURNED": "All of the goods came back.",
})
PaymentMethod = graphql_enum(records.PaymentMethod, "How an order is paid.", {
    "CASH": "Cash at the till (recorded by the order's store's till only).",
    "CARD": "Bank card at the till's terminal (recorded by the order's store's till only).",
    "WECHAT_PAY": "WeChat Pay, confirmed by the till (staff only until a gateway callback exists).",
    "ALIPAY": "Alipay, confirmed by the till (staff only until a gateway callback exists).",
    "SANDBOX": "The test gateway, approving everything: only in demo and debug mode or with PAYMENTS_SANDBOX.",
})
PaymentKind = graphql_enum(records.PaymentKind, "Whether money came in or went back.", {
    "CAPTURE": "Money received for the order.",
    "REFUND": "Money given back to the customer.",
})
OrderEventType = graphql_enum(records.OrderEventType, "What happened to an order.", {
    "PLACED": "The order was placed at checkout and its stock reserved.",
    "PAID": "A payment covered the order.",
    "CANCELLED": "The order was cancelled.",
    "EXPIRED": "The order was not paid in time and was cancelled.",
    "SHIPPED": "The order was handed to the carrier.",
    "DELIVERED": "The carrier delivered the order.",
    "READY_FOR_PICKUP": "The order is waiting at the pickup store.",
    "PICKUP_CODE_REJECTED": "Someone gave a wrong pickup code at the store.",
    "PICKED_UP": "The customer collected the order.",
    "COMPLETED": "The order completed.",
    "RETURNED": "Goods came back.",
    "REFUNDED": "Money went back to the customer.",
    "POINTS_EARNED": "The member earned points for the order.",
    "COUPON_RETURNED": "The order was cancelled unpaid, so its coupon can be used again.",
})


def method_of(value: Any) -> _DomainMethod:
    return _DomainMethod(value.value)


@strawberry.type(description="An amount taken off a line by a promotion or coupon.")
class Discount:
    label: str = strawberry.field(description="What gave the discount (the promotion's or coupon's name).")
    amount: Money = strawberry.field(description="How much it took off the line.")


def discounts_of(data: list[Mapping[str, str]], currency: str) -> list[Discount]:
    return [Discount(label=d["label"], amount=Money.of(Decimal(d["amount"]), currency)) for d in data]


@strawberry.type(description="Where an order is delivered: recipient, phone and address.")
class DeliveryAddress:
    name: str = strawberry.field(description="The recipient.")
    phone: str = strawberry.field(description="The recipient's phone number in E.164 form.")
    line1: str = strawberry.field(description="Street and number.")
    city: str = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    latitude: float | None = strawberry.field(description="WGS84 latitude, when known.")
    longitude: float | None = strawberry.field(description="WGS84 longitude, when known.")

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> DeliveryAddress | None:
        if not data:
            return None
        return cls(name=data["name"], phone=data["phone"], line1=data["line1"], city=data["city"],
                   postal_code=data.get("postal_code"), country=data["country"], latitude=data.get("latitude"),
                   longitude=data.get("longitude"))


async def _not_fetchable(info: Info, ids: list[Any]) -> list[None]:
    return [None] * len(ids)


# Cart and order lines have ids (mutations name them) but are read through their cart or order.
register_node("CartLine", _not_fetchable)
register_node("OrderLine", _not_fetchable)
