"""What a webhook's payload query reads: `subscription { event { ... } }`, where `event` is a
`WebhookEvent` of the kind its subject calls for (an order, a stock level, a product, a member, a
coupon).

Each subject is fetched the way `node(id:)` fetches it, for the app the webhook belongs to: an
app that may not read orders gets `order: null`, one without `MEMBERS_READ` gets `member: null`,
and every field below answers exactly as it would over HTTP to that app's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.apps.webhooks import PAYLOAD_SUBJECTS, PayloadSubject
from domain.apps.webhooks import WebhookEventType as DomainEvent
from schema.accounts.types import Member
from schema.apps.enums import WebhookEventType
from schema.catalog.types import Product, ProductVariant
from schema.context import Info
from schema.inventory.types import Location, StockLevel
from schema.orders.types import Order
from schema.promotions.coupon_types import Coupon
from schema.relay import resolve_nodes, to_global_id


async def _node(info: Info, type_name: str, key: int | str) -> Any:
    """The object as `node(id:)` answers the caller: null when it is gone or hidden from them."""
    return (await resolve_nodes(info, [to_global_id(type_name, key)]))[0]


@strawberry.interface(description="An event a webhook hears of, as its payload query reads it.")
class WebhookEvent:
    type: WebhookEventType = strawberry.field(description="What happened.")
    issued_at: datetime = strawberry.field(description="When the change was committed.")


@strawberry.type(description="An order was created, paid, cancelled, fulfilled, completed or returned.")
class OrderWebhookEvent(WebhookEvent):
    order_token: strawberry.Private[str]
    number: str = strawberry.field(description="The order's number (what the default payload names it by).")

    @strawberry.field(description="The order as it is after the change; null for an app that may not read orders.")
    async def order(self, info: Info) -> Order | None:
        found: Order | None = await _node(info, "Order", self.order_token)
        return found


@strawberry.type(description="A stock level moved.")
class StockWebhookEvent(WebhookEvent):
    variant_pk: strawberry.Private[int]
    location_pk: strawberry.Private[int]

    @strawberry.field(description="The variant; null when the app may not see it.")
    async def variant(self, info: Info) -> ProductVariant | None:
        found: ProductVariant | None = await _node(info, "ProductVariant", self.variant_pk)
        return found

    @strawberry.field(description="The location where it moved.")
    async def location(self, info: Info) -> Location | None:
        found: Location | None = await _node(info, "Location", self.location_pk)
        return found

    @strawberry.field(description="The level after the change; null when the app may not see the variant.")
    async def stock_level(self, info: Info) -> StockLevel | None:
        if await self.variant(info) is None:
            return None
        level = await info.context.loaders.stock_level.load((self.variant_pk, self.location_pk))
        return StockLevel.from_model(level) if level is not None else None


@strawberry.type(description="A product's details changed.")
class ProductWebhookEvent(WebhookEvent):
    product_pk: strawberry.Private[int]

    @strawberry.field(description="The product as it is now; null when the app may not see it.")
    async def product(self, info: Info) -> Product | None:
        found: Product | None = await _node(info, "Product", self.product_pk)
        return found


@strawberry.type(description="A member registered, or was erased.")
class MemberWebhookEvent(WebhookEvent):
    member_pk: strawberry.Private[int]

    @strawberry.field(description="The member's id: what an app keys its copy by (and erases, on MEMBER_ERASED).")
    def member_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Member", self.member_pk))

    @strawberry.field(
        description="The member, for an app with `MEMBERS_READ`; null otherwise (and once erased, on MEMBER_ERASED)."
    )
    async def member(self, info: Info) -> Member | None:
        found: Member | None = await _node(info, "Member", self.member_pk)
        return found


@strawberry.type(description="A coupon was redeemed.")
class CouponWebhookEvent(WebhookEvent):
    coupon_pk: strawberry.Private[int]

    @strawberry.field(description="The coupon; null when the app may not see it.")
    async def coupon(self, info: Info) -> Coupon | None:
        found: Coupon | None = await _node(info, "Coupon", self.coupon_pk)
        return found


PAYLOAD_TYPES: dict[PayloadSubject, type[WebhookEvent]] = {
    PayloadSubject.ORDER: OrderWebhookEvent,
    PayloadSubject.STOCK: StockWebhookEvent,
    PayloadSubject.PRODUCT: ProductWebhookEvent,
    PayloadSubject.MEMBER: MemberWebhookEvent,
    PayloadSubject.COUPON: CouponWebhookEvent,
}


def payload_event(event: DomainEvent, message: str, at: datetime, order: tuple[str, str] | None) -> WebhookEvent | None:
    """The `event` a payload query reads for an outbox message (an id; `variant:location` for stock).
    `order`: the order's token and number, for order events (None: the order is gone)."""
    subject = PAYLOAD_SUBJECTS.get(event)
    kind: Any = event  # the domain's member serialises as the graph's (schema/enums.py mirrors it)
    if subject is PayloadSubject.ORDER:
        return OrderWebhookEvent(type=kind, issued_at=at, order_token=order[0], number=order[1]) if order else None
    if subject is PayloadSubject.STOCK:
        variant, _, location = message.partition(":")
        return StockWebhookEvent(type=kind, issued_at=at, variant_pk=int(variant), location_pk=int(location))
    if subject is PayloadSubject.PRODUCT:
        return ProductWebhookEvent(type=kind, issued_at=at, product_pk=int(message))
    if subject is PayloadSubject.MEMBER:
        return MemberWebhookEvent(type=kind, issued_at=at, member_pk=int(message))
    if subject is PayloadSubject.COUPON:
        return CouponWebhookEvent(type=kind, issued_at=at, coupon_pk=int(message))
    return None
