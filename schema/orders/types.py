"""The `Order` type: one record of a sale from any channel, with lines, payments and history.

A member's order is visible to them and to staff who view orders (store staff: their location's,
`domain.orders.access`); a guest's order to whoever holds its unguessable id (the guest who placed
it). Its pickup code is shown only in the result of `checkoutComplete`: only a hash is stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from db.models import Fulfilment as FulfilmentModel
from db.models import Order as OrderModel
from db.models import OrderLine as LineModel
from db.models import Payment as PaymentModel
from domain.access.personal import sees_parcel_recipient, sees_recipient
from domain.orders.access import is_scoped, sees_fulfilment, sees_order
from domain.orders.services import paid_amount
from domain.payments.model import gateway_paid
from schema.accounts.types import Member, visible_member
from schema.catalog.types import ProductVariant
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.types import Location
from schema.money import Money
from schema.orders.cart_types import DeliveryAddress, Discount, discounts_of
from schema.orders.enums import (
    FulfillmentMethod,
    FulfillmentStatus,
    OrderEventType,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
)
from schema.payments.types import Transaction
from schema.promotions.coupon_types import Coupon, visible_coupon
from schema.relay import Node, not_fetchable, register_node, to_global_id
from schema.settlement.types import OrderAttribution, SettlementEntry, order_entries


@strawberry.type(description="A line of an order as it was sold (names and prices are kept as they were).")
class OrderLine:
    pk: strawberry.Private[int]
    variant_id: strawberry.Private[int | None]
    channel_slug: strawberry.Private[str | None]
    sku: str = strawberry.field(description="The SKU sold.")
    product_name: str = strawberry.field(description="The product's name when it was sold.")
    variant_name: str = strawberry.field(description="The variant's name when it was sold.")
    quantity: int = strawberry.field(description="Units sold.")
    returned_quantity: int = strawberry.field(description="Units that came back.")
    unit_price: Money = strawberry.field(description="Price of one unit when it was sold.")
    total: Money = strawberry.field(description="unitPrice x quantity, less the line's discounts.")
    discounts: list[Discount] = strawberry.field(description="Promotions and coupons that took money off the line.")

    @strawberry.field(description="The line's ID (for `orderReturn`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("OrderLine", self.pk))

    @strawberry.field(description="The variant sold; null when it has since been deleted from the catalogue.")
    async def variant(self, info: Info) -> ProductVariant | None:
        row = await info.context.loaders.variant_by_id.load(self.variant_id) if self.variant_id else None
        return ProductVariant.from_model(row, self.channel_slug) if row else None

    @classmethod
    def from_model(cls, m: LineModel, currency: str, channel_slug: str | None) -> OrderLine:
        return cls(
            pk=m.id,
            variant_id=m.variant_id,
            channel_slug=channel_slug,
            sku=m.sku,
            product_name=m.product_name,
            variant_name=m.variant_name,
            quantity=m.quantity,
            returned_quantity=m.returned_quantity,
            unit_price=Money.of(m.unit_price, currency),
            total=Money.of(m.total, currency),
            discounts=discounts_of(m.discounts, currency),
        )


@strawberry.type(description="Money received for an order, or given back.")
class Payment:
    kind: PaymentKind = strawberry.field(description="Received or refunded.")
    method: PaymentMethod = strawberry.field(description="How.")
    amount: Money = strawberry.field(description="How much.")
    reference: str | None = strawberry.field(description="The payment provider's transaction reference.")
    created_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, m: PaymentModel) -> Payment:
        return cls(
            kind=m.kind,
            method=m.method,
            amount=Money.of(m.amount, m.currency),
            reference=m.reference,
            created_at=m.created_at,
        )


@strawberry.type(description="A step in an order's history.")
class OrderEvent:
    type: OrderEventType = strawberry.field(description="What happened.")
    created_at: datetime = strawberry.field(description="When.")


@strawberry.type(
    description="The single record of a sale from any channel: its lines, money, points, fulfilment and history."
)
class Order(Node):
    token: strawberry.Private[str]
    row: strawberry.Private[OrderModel]
    number: str = strawberry.field(description="Human-friendly unique number (OS-20261123-000123).")
    status: OrderStatus = strawberry.field(description="Where the order is in its life cycle.")
    fulfillment_method: FulfillmentMethod = strawberry.field(description="How it reaches the customer.")
    subtotal: Money = strawberry.field(description="Sum of the lines before discounts.")
    discount_total: Money = strawberry.field(description="Sum of the lines' discounts.")
    points_discount: Money = strawberry.field(description="What the spent points paid.")
    shipping: Money = strawberry.field(description="Shipping charged.")
    total: Money = strawberry.field(
        description="What the customer pays: subtotal - discountTotal - pointsDiscount + shipping."
    )
    points_spent: int = strawberry.field(description="Points used to pay.")
    points_earned: int = strawberry.field(description="Points the member earned (once the order completed).")
    pickup_code: str | None = strawberry.field(
        description="PICKUP orders: the code to show at the store. Only "
        "in the result of `checkoutComplete` and of its retries with the "
        "same idempotency key (only a hash is kept); null elsewhere."
    )
    tracking_number: str | None = strawberry.field(description="The carrier's tracking number, once shipped.")
    expires_at: datetime | None = strawberry.field(description="When an unpaid order is cancelled if not paid.")
    created_at: datetime = strawberry.field(description="When the order was placed.")
    updated_at: datetime = strawberry.field(description="When the order last changed.")

    @strawberry.field(description="The order's opaque global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Order", self.token))

    @strawberry.field(
        description="Where it is delivered, for DELIVERY and ENDLESS_AISLE; null for callers who "
        "may not see the recipient (only the buyer, staff who look members up and whoever ships it "
        "do)."
    )
    def delivery_address(self, info: Info) -> DeliveryAddress | None:
        return (
            DeliveryAddress.of(self.row.address) if sees_recipient(info.context.principal, self.row.member_id) else None
        )

    @strawberry.field(description="The channel it was sold in.")
    async def channel(self, info: Info) -> Channel:
        return Channel.from_model(await info.context.loaders.channel_by_id.load_existing(self.row.channel_id))

    async def _location(self, info: Info, location_id: int | None) -> Location | None:
        row = await info.context.loaders.location_by_id.load(location_id) if location_id else None
        return Location.from_model(row) if row else None

    @strawberry.field(
        description="The store the sale is attributed to (the till's or the pickup store); null for online deliveries."
    )
    async def location(self, info: Info) -> Location | None:
        return await self._location(info, self.row.location_id)

    @strawberry.field(description="PICKUP orders: the store it is collected from.")
    async def pickup_location(self, info: Info) -> Location | None:
        return await self._location(info, self.row.pickup_location_id)

    @strawberry.field(
        description="The member who bought; null for guests (and for callers who may not see the member)."
    )
    async def member(self, info: Info) -> Member | None:
        return await visible_member(info, self.row.member_id)

    @strawberry.field(description="The lines, in the order they were in the cart.")
    async def lines(self, info: Info) -> list[OrderLine]:
        channel = await info.context.loaders.channel_by_id.load(self.row.channel_id)
        rows = await info.context.loaders.order_lines.load(self.pk)
        return [OrderLine.from_model(r, self.row.currency, channel.slug if channel else None) for r in rows]

    @strawberry.field(description="Payments and refunds, oldest first.")
    async def payments(self, info: Info) -> list[Payment]:
        return [Payment.from_model(p) for p in await info.context.loaders.payments_by_order.load(self.pk)]

    @strawberry.field(
        description="What is still to pay: the total less what was paid, here or through a payment app (zero "
        "once paid)."
    )
    async def amount_due(self, info: Info) -> Money:
        loaders = info.context.loaders
        paid = paid_amount(await loaders.payments_by_order.load(self.pk))
        paid += gateway_paid(await loaders.transactions_by_order.load(self.pk))
        return Money.of(max(self.row.total - paid, Decimal(0)), self.row.currency)

    @strawberry.field(description="Its payments through payment apps, oldest first.")
    async def transactions(self, info: Info) -> list[Transaction]:
        return [Transaction.from_model(t) for t in await info.context.loaders.transactions_by_order.load(self.pk)]

    @strawberry.field(
        description="The coupon redeemed with the order; null when none was (or the caller may not see it)."
    )
    async def coupon(self, info: Info) -> Coupon | None:
        return await visible_coupon(info, self.row.coupon_code) if self.row.coupon_code else None

    @strawberry.field(
        description="What each point earned on this order was multiplied by (a promotion's points "
        "multiplier; 1 when none applied)."
    )
    def points_multiplier(self) -> Decimal:
        return Decimal(format(self.row.points_multiplier.normalize(), "f"))  # 1.500 -> 1.5, 10.000 -> 10

    @strawberry.field(description="The order's history, oldest first.")
    async def events(self, info: Info) -> list[OrderEvent]:
        rows = await info.context.loaders.events_by_order.load(self.pk)
        return [OrderEvent(type=e.type, created_at=e.created_at) for e in rows]

    @strawberry.field(
        description="Where its units leave from: one fulfilment per location, in id order (store "
        "staff see their location's only; the buyer and head office all)."
    )
    async def fulfillments(self, info: Info) -> list[Fulfillment]:
        principal = info.context.principal
        rows = await info.context.loaders.fulfilments_by_order.load(self.pk)
        return [
            Fulfillment.from_model(f, self.row)
            for f in rows
            if sees_fulfilment(self.row.member_id, f.location_id, principal, through_order=True)
        ]

    @strawberry.field(description="Who the sale is attributed to, as it was when the order was placed.")
    def attribution(self) -> OrderAttribution:
        return OrderAttribution(order_row=self.row)

    @strawberry.field(
        description="Its settlement ledger entries, oldest first (written when it completes and when goods "
        "come back): admins and apps with SETTLEMENT_WRITE (FORBIDDEN for others)."
    )
    async def settlement_entries(self, info: Info) -> list[SettlementEntry]:
        return await order_entries(info, self.row)

    @classmethod
    def from_model(cls, m: OrderModel, pickup_code: str | None = None) -> Order:
        cur = m.currency
        return cls(
            pk=m.id,
            token=m.token,
            row=m,
            number=m.number,
            status=m.status,
            fulfillment_method=m.fulfilment_method,
            subtotal=Money.of(m.subtotal, cur),
            discount_total=Money.of(m.discount_total, cur),
            points_discount=Money.of(m.points_discount, cur),
            shipping=Money.of(m.shipping, cur),
            total=Money.of(m.total, cur),
            points_spent=m.points_spent,
            points_earned=m.points_earned,
            pickup_code=pickup_code,
            tracking_number=m.tracking_number,
            expires_at=m.expires_at,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


@strawberry.type(description="Units of one order line that a fulfilment sends.")
class FulfillmentLine:
    order_line: OrderLine = strawberry.field(description="The order line.")
    quantity: int = strawberry.field(description="How many of its units leave from the fulfilment's location.")


@strawberry.type(
    description="One location's share of an order: what it picks, packs and sends (or hands over), "
    "shipped on its own with its own tracking number. The order is SHIPPED when every fulfilment is, "
    "COMPLETED when every one is delivered or handed over."
)
class Fulfillment(Node):
    row: strawberry.Private[FulfilmentModel]
    order_row: strawberry.Private[OrderModel]
    status: FulfillmentStatus = strawberry.field(description="Where it is.")
    tracking_number: str | None = strawberry.field(description="The carrier's tracking number, once shipped.")
    created_at: datetime = strawberry.field(description="When it was created (with its order).")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(description="The fulfilment's opaque global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Fulfillment", self.pk))

    @strawberry.field(description="The order it is part of.")
    def order(self) -> Order:
        return Order.from_model(self.order_row)

    @strawberry.field(description="The location it leaves from.")
    async def location(self, info: Info) -> Location:
        return Location.from_model(await info.context.loaders.location_by_id.load_existing(self.row.location_id))

    @strawberry.field(description="The order lines and units it sends, in the order's line order.")
    async def lines(self, info: Info) -> list[FulfillmentLine]:
        loaders = info.context.loaders
        allocations = await loaders.allocations_by_order.load(self.order_row.id)
        channel = await loaders.channel_by_id.load(self.order_row.channel_id)
        units: dict[int, int] = {}
        for a in allocations:
            if a.location_id == self.row.location_id:
                units[a.order_line_id] = units.get(a.order_line_id, 0) + a.quantity
        return [
            FulfillmentLine(
                order_line=OrderLine.from_model(ln, self.order_row.currency, channel.slug if channel else None),
                quantity=units[ln.id],
            )
            for ln in await loaders.order_lines.load(self.order_row.id)
            if ln.id in units
        ]

    @strawberry.field(
        description="Where to send it, for DELIVERY and ENDLESS_AISLE: only for the fulfilment staff "
        "of its location (who must send it), the buyer, and staff who look members up; null otherwise."
    )
    def delivery_address(self, info: Info) -> DeliveryAddress | None:
        principal = info.context.principal
        seen = sees_parcel_recipient(principal, self.order_row.member_id, self.row.location_id)
        return DeliveryAddress.of(self.order_row.address) if seen else None

    @classmethod
    def from_model(cls, m: FulfilmentModel, order: OrderModel) -> Fulfillment:
        return cls(
            pk=m.id,
            row=m,
            order_row=order,
            status=m.status,
            tracking_number=m.tracking_number,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


def visible_fulfilment(info: Info, found: tuple[FulfilmentModel, OrderModel] | None) -> Fulfillment | None:
    """The fulfilment, when the caller sees it (`domain.orders.access.sees_fulfilment`)."""
    if found is None or not sees_fulfilment(found[1].member_id, found[0].location_id, info.context.principal):
        return None
    return Fulfillment.from_model(*found)


async def _fetch_fulfilments(info: Info, ids: list[int]) -> list[Fulfillment | None]:
    return [visible_fulfilment(info, f) for f in await info.context.loaders.fulfilment_by_id.load_many(ids)]


async def _visible(info: Info, rows: list[OrderModel | None]) -> list[bool]:
    """Which of `rows` the caller sees; store staff's need the orders' locations (one batched read)."""
    principal = info.context.principal
    ids = [r.id for r in rows if r is not None]
    located: dict[int, frozenset[int]] = {}
    if ids and is_scoped(principal):
        located = dict(zip(ids, await info.context.loaders.order_locations.load_many(ids), strict=True))
    return [r is not None and sees_order(r.member_id, located.get(r.id, frozenset()), principal) for r in rows]


async def visible_order(info: Info, token: str | None, pickup_code: str | None = None) -> Order | None:
    row = await info.context.loaders.order_by_token.load(token) if token else None
    return Order.from_model(row, pickup_code) if row is not None and (await _visible(info, [row]))[0] else None


async def _fetch_orders(info: Info, tokens: list[str]) -> list[Order | None]:
    rows = await info.context.loaders.order_by_token.load_many(tokens)
    return [
        Order.from_model(r) if r is not None and seen else None
        for r, seen in zip(rows, await _visible(info, rows), strict=True)
    ]


register_node("Order", _fetch_orders, token_keys=True)
register_node("OrderLine", not_fetchable)  # lines have ids (mutations name them), read through their order
register_node("Fulfillment", _fetch_fulfilments)
