"""The `Cart` type: lines priced at the channel's current prices, totals computed on every read.

Nothing about prices is stored on a cart: a read loads the cart, its lines, the channel and the
lines' current prices (one batched statement each), then prices them with the running promotions
and the cart's coupon through `domain.orders.cart_pricing` (as checkout does), so what a cart
shows is what checkout will charge. The pricing runs once per cart per request, whichever and
however many fields ask for it.

The discounts and delivery address a cart shows are the types its order keeps (schema/orders/types.py
imports them from here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from db.models import Cart as CartModel
from db.models import Channel as ChannelModel
from domain.orders.cart_pricing import CartPricing, price_cart_lines
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo, can_use_cart
from domain.orders.pricing import PricedLine
from schema.catalog.types import ProductVariant
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.types import Location
from schema.money import Money
from schema.orders.enums import FulfillmentMethod
from schema.orders.pricing_source import LoaderPricingSource
from schema.relay import Node, not_fetchable, register_node, to_global_id


@dataclass(frozen=True, slots=True)
class _Priced:
    channel: ChannelModel
    lines: list[Any]
    prices: dict[int, Decimal]
    pricing: CartPricing


def cart_state(m: CartModel) -> CartState:
    return CartState(
        m.id,
        m.token,
        m.channel_id,
        m.member_id,
        m.location_id,
        m.staff_id,
        m.fulfilment_method,
        m.pickup_location_id,
        m.address,
        m.points,
        m.completed_at is not None,
        m.coupon_code,
    )


def channel_info(m: ChannelModel) -> ChannelInfo:
    return ChannelInfo(
        m.id, m.kind, m.currency, m.points_per_unit, m.is_active, m.shipping_flat_rate, m.shipping_free_over, m.routing
    )


@strawberry.type(description="An amount taken off a line by a promotion or coupon.")
class Discount:
    label: str = strawberry.field(description="What gave the discount (the promotion's or coupon's name).")
    amount: Money = strawberry.field(description="How much it took off the line.")


def discounts_of(data: Sequence[Mapping[str, str]], currency: str) -> list[Discount]:
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
        return cls(
            name=data["name"],
            phone=data["phone"],
            line1=data["line1"],
            city=data["city"],
            postal_code=data.get("postal_code"),
            country=data["country"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )


@strawberry.type(description="A variant in a cart, at the channel's current price.")
class CartLine:
    pk: strawberry.Private[int]
    variant_id: strawberry.Private[int]
    channel_slug: strawberry.Private[str]
    currency: strawberry.Private[str]
    price: strawberry.Private[Decimal | None]
    priced: strawberry.Private[PricedLine | None]  # None when the channel no longer sells it
    quantity: int = strawberry.field(description="Units wanted, 1 to 999.")

    @strawberry.field(description="The line's ID (for `cartLinesUpdate` and `cartLinesRemove`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("CartLine", self.pk))

    @strawberry.field(description="What is bought.")
    async def variant(self, info: Info) -> ProductVariant:
        return ProductVariant.from_model(
            await info.context.loaders.variant_by_id.load(self.variant_id), self.channel_slug
        )

    @strawberry.field(
        description="False when the channel no longer sells the variant: the line is left out of "
        "the totals and checkout refuses it until it is removed."
    )
    def is_available(self) -> bool:
        return self.price is not None

    @strawberry.field(description="Price of one unit in the cart's channel now (zero when not available).")
    def unit_price(self) -> Money:
        return Money.of(self.price or Decimal(0), self.currency)

    @strawberry.field(description="unitPrice x quantity, less the line's discounts.")
    def total(self) -> Money:
        return Money.of(self.priced.total if self.priced else Decimal(0), self.currency)

    @strawberry.field(
        description="What each promotion and the coupon took off this line, in the order they "
        "applied; they sum to unitPrice x quantity - total."
    )
    def discounts(self) -> list[Discount]:
        if self.priced is None:
            return []
        return [Discount(label=d.label, amount=Money.of(d.amount, self.currency)) for d in self.priced.discounts]


@strawberry.type(description="How a cart's order will be fulfilled.")
class CartFulfillment:
    method: FulfillmentMethod = strawberry.field(description="The fulfilment method.")
    address: DeliveryAddress | None = strawberry.field(description="Where DELIVERY and ENDLESS_AISLE orders go.")
    pickup_location_id: strawberry.Private[int | None]

    @strawberry.field(description="The store a PICKUP order is collected from, or the till's store for IN_STORE.")
    async def pickup_location(self, info: Info) -> Location | None:
        if self.pickup_location_id is None:
            return None
        row = await info.context.loaders.location_by_id.load(self.pickup_location_id)
        return Location.from_model(row) if row else None


@strawberry.type(
    description="Lines being bought in one channel, by a member, at a till or by a guest. A guest's "
    "cart is reached by its ID alone (keep it secret); a member's only by that member."
)
class Cart(Node):
    token: strawberry.Private[str]
    channel_id: strawberry.Private[int]
    state: strawberry.Private[CartState]
    points: int = strawberry.field(
        description="Points the member asked to pay with (`cartPointsApply`); `pointsUsed` says how many apply."
    )
    is_completed: bool = strawberry.field(description="Checked out: the cart can no longer change.")
    created_at: datetime = strawberry.field(description="When the cart was opened.")
    updated_at: datetime = strawberry.field(description="When the cart last changed.")
    memo: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The cart's opaque global ID; whoever holds a guest cart's ID can use it.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Cart", self.token))

    async def _priced(self, info: Info) -> _Priced:
        if "priced" not in self.memo:  # the first field to ask prices the cart; the others wait for it
            self.memo["priced"] = asyncio.ensure_future(self._price(info))
        priced: _Priced = await self.memo["priced"]
        return priced

    async def _price(self, info: Info) -> _Priced:
        loaders = info.context.loaders
        channel = await loaders.channel_by_id.load_existing(self.channel_id)
        lines = list(await loaders.cart_lines.load(self.pk))
        found = await loaders.sellable_price.load_many([(ln.variant_id, self.channel_id) for ln in lines])
        prices = {ln.variant_id: p for ln, p in zip(lines, found, strict=True) if p is not None}
        states = [CartLineState(ln.id, ln.variant_id, ln.quantity) for ln in lines]
        pricing = await price_cart_lines(
            LoaderPricingSource(loaders),
            self.state,
            states,
            prices,
            channel_info(channel),
            self.state.method,
            now=loaders.now,
        )
        return _Priced(channel, lines, prices, pricing)

    async def _money(self, info: Info, name: str) -> Money:
        totals = (await self._priced(info)).pricing.totals
        return Money.of(getattr(totals, name), totals.currency)

    @strawberry.field(description="The channel the cart buys in (its prices and currency).")
    async def channel(self, info: Info) -> Channel:
        return Channel.from_model(await info.context.loaders.channel_by_id.load_existing(self.channel_id))

    @strawberry.field(description="The cart's lines, oldest first.")
    async def lines(self, info: Info) -> list[CartLine]:
        p = await self._priced(info)
        by_variant = {ln.variant_id: ln for ln in p.pricing.totals.lines}
        return [
            CartLine(
                pk=ln.id,
                variant_id=ln.variant_id,
                channel_slug=p.channel.slug,
                currency=p.channel.currency,
                price=p.prices.get(ln.variant_id),
                priced=by_variant.get(ln.variant_id),
                quantity=ln.quantity,
            )
            for ln in p.lines
        ]

    @strawberry.field(description="Sum of the available lines before discounts.")
    async def subtotal(self, info: Info) -> Money:
        return await self._money(info, "subtotal")

    @strawberry.field(description="Sum of the lines' discounts.")
    async def discount_total(self, info: Info) -> Money:
        return await self._money(info, "discount_total")

    @strawberry.field(description="What the applied points pay.")
    async def points_discount(self, info: Info) -> Money:
        return await self._money(info, "points_discount")

    @strawberry.field(
        description="Shipping for DELIVERY and ENDLESS_AISLE (free from the channel's threshold); zero otherwise."
    )
    async def shipping(self, info: Info) -> Money:
        return await self._money(info, "shipping")

    @strawberry.field(description="What is due: subtotal - discountTotal - pointsDiscount + shipping.")
    async def total(self, info: Info) -> Money:
        return await self._money(info, "total")

    @strawberry.field(description="Points that apply: those asked for, up to the channel's share of what is due.")
    async def points_used(self, info: Info) -> int:
        return (await self._priced(info)).pricing.totals.points_spent

    @strawberry.field(description="The code of the coupon applied with `cartCouponApply`; null when none is.")
    def applied_coupon(self) -> str | None:
        return self.state.coupon_code

    @strawberry.field(
        description="Why the applied coupon takes nothing off right now (expired, used, the cart "
        "below its minimum...); null when it applies or none is applied. Checkout refuses the cart "
        "until it applies again or is removed."
    )
    async def coupon_problem(self, info: Info) -> str | None:
        error = (await self._priced(info)).pricing.coupon_error
        return error.message if error else None

    @strawberry.field(
        description="How the order will be fulfilled; null until `cartFulfillmentSet` (a till's "
        "cart is then sold IN_STORE)."
    )
    def fulfillment(self) -> CartFulfillment | None:
        method = self.state.method
        if method is None:
            return None
        return CartFulfillment(
            method=method,
            address=DeliveryAddress.of(self.state.address),
            pickup_location_id=self.state.pickup_location_id,
        )

    @classmethod
    def from_model(cls, m: CartModel) -> Cart:
        return cls(
            pk=m.id,
            token=m.token,
            channel_id=m.channel_id,
            state=cart_state(m),
            points=m.points,
            is_completed=m.completed_at is not None,
            created_at=m.created_at,
            updated_at=m.updated_at,
            memo={},
        )


async def visible_cart(info: Info, token: str | None) -> Cart | None:
    row = await info.context.loaders.cart_by_token.load(token) if token else None
    if row is None or not can_use_cart(cart_state(row), info.context.principal):
        return None
    return Cart.from_model(row)


async def _fetch_carts(info: Info, tokens: list[str]) -> list[Cart | None]:
    rows = await info.context.loaders.cart_by_token.load_many(tokens)
    principal = info.context.principal
    return [Cart.from_model(r) if r and can_use_cart(cart_state(r), principal) else None for r in rows]


register_node("Cart", _fetch_carts, token_keys=True)
register_node("CartLine", not_fetchable)  # lines have ids (mutations name them), read through their cart
