"""Checkout: a cart becomes an order, in one transaction.

    claim the cart (and read its channel) -> allocate stock -> re-price at the channel's current
    prices, with the running promotions and the cart's coupon -> write the order, its lines,
    allocations and PLACED event -> redeem the coupon -> spend the points -> reserve the stock

Stock is allocated before pricing, so a refusal for want of stock reads no promotions; a coupon's
refusal is still the one given when both apply.

The claim is one conditional UPDATE of the cart by its token (`completed_at IS NULL`) that returns the
cart as it is now that we hold it: concurrent checkouts of one cart queue on its row, and whoever comes
second finds no open cart, then reads it and, with the same idempotency key, the order the first one
made (one claim per cart means one order per cart; the unique (cart, key) constraint backs this up).
A member's checkouts of different carts queue on the member's row, so per-member promotion limits,
first-order promotions and the points balance are read and written by one checkout at a time.
Reserving is the atomic conditional UPDATE of each stock level, done last (its movements are written
just before) so the hot rows are locked for as short a time as possible: from that UPDATE to the
commit, which a store may send together with it (`InventoryRepository.apply_last`). Any failure
(INSUFFICIENT_STOCK naming the cart line, INSUFFICIENT_POINTS, a coupon that stopped applying or was
used a moment ago) rolls the whole order back, claim included. A coupon that no longer applies is
refused rather than silently dropped: the shopper saw its discount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from domain.access.model import Principal
from domain.errors import Code, DomainError, raise_all
from domain.inventory.model import Allocation, FulfilmentMethod, Line, MovementKind, Source, allocate
from domain.inventory.services import InventoryUnitOfWork, move_allocations
from domain.members.points_services import PointsUnitOfWork, spend_points
from domain.orders.cart_pricing import PricingSource, price_cart_lines
from domain.orders.cart_rules import (
    DEFAULT_RULES,
    CartLineState,
    CartState,
    ChannelInfo,
    PricingRules,
    can_use_cart,
    check_can_change,
    check_checkout_channel,
    check_till_method,
    checkout_fulfilment,
    destination,
)
from domain.orders.carts import CartUnitOfWork, new_token
from domain.orders.pickup import hash_pickup_code, pickup_code, pickup_code_matches
from domain.orders.pricing import Totals
from domain.orders.records import OrderEventType
from domain.promotions import PromotionSource
from domain.settlement.model import NO_REFERRAL, Referral

UNPAID_TTL = timedelta(minutes=30)  # an unpaid order releases its stock after this
MAX_KEY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class OrderRef:
    id: int
    token: str
    number: str
    pickup_code_hash: str | None = None
    pickup_code: str | None = None  # the clear code, only in checkout's answer (and its retries)


@dataclass(frozen=True, slots=True)
class Sellable:
    variant_id: int
    price: Decimal
    sku: str
    product_name: str
    variant_name: str


@dataclass(frozen=True, slots=True)
class NewOrder:
    token: str
    cart_id: int
    idempotency_key: str
    channel_id: int
    member_id: int | None
    location_id: int | None
    staff_id: int | None
    method: FulfilmentMethod
    pickup_location_id: int | None
    address: Mapping[str, object] | None
    totals: Totals
    pickup_code_hash: str | None
    expires_at: datetime
    created_at: datetime
    coupon_code: str | None = None
    points_multiplier: Decimal = Decimal(1)
    # Attribution, frozen here (domain/settlement): the till's store (none online) and the referral.
    selling_location_id: int | None = None
    referral: Referral = NO_REFERRAL


@dataclass(frozen=True, slots=True)
class OrderEvent:
    type: OrderEventType
    data: Mapping[str, Any]
    staff_id: int | None
    member_id: int | None


@dataclass(frozen=True, slots=True)
class NewOrderLine:
    variant_id: int
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    unit_price: Decimal
    discounts: tuple[tuple[str, Decimal], ...]
    total: Decimal


class CheckoutRepository(Protocol):
    async def order_by_key(self, cart_id: int, idempotency_key: str) -> OrderRef | None: ...
    async def claim_cart(self, token: str, now: datetime) -> tuple[CartState, ChannelInfo] | None:
        """Mark the cart completed unless it already is, and return it as it is now (completed) with
        its channel; None when there is no such cart or it was completed already."""
        ...

    async def cart_lines(self, cart_id: int, channel_id: int) -> tuple[list[CartLineState], dict[int, Sellable]]:
        """The cart's lines, and the price and names of each line's variant the channel sells."""
        ...

    async def sources(
        self, channel_id: int, variant_ids: Sequence[int], method: FulfilmentMethod, location_id: int | None
    ) -> list[Source]:
        """The channel's active locations that hold the variants (only `location_id`, when given;
        only warehouses and stores that ship to homes for deliveries), with what is available now."""
        ...

    async def add_order(
        self, order: NewOrder, lines: Sequence[NewOrderLine], allocations: Sequence[Allocation], placed: OrderEvent
    ) -> OrderRef:
        """Write the order, its lines and allocations (line keys are positions in `lines`; a line's
        variant appears on no other line) and its `placed` event."""
        ...


class CheckoutPromotions(PricingSource, Protocol):
    async def redeem(
        self, coupon_id: int, now: datetime, *, order_id: int | None, location_id: int | None, staff_id: int | None
    ) -> bool:
        """Mark the coupon used unless it already is (or is outside its window); False then."""
        ...

    async def record_uses(self, order_id: int, member_id: int, uses: Sequence[tuple[int, int, int]]) -> None:
        """Units sold at flash-sale prices, as (promotion id, variant id, quantity)."""
        ...


class CheckoutUnitOfWork(CartUnitOfWork, InventoryUnitOfWork, PointsUnitOfWork, Protocol):
    @property
    def orders(self) -> CheckoutRepository: ...
    @property
    def promotions(self) -> CheckoutPromotions: ...


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(Code.INVALID, f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.", ["idempotencyKey"])
    return key


def order_lines(lines: Sequence[CartLineState], sellable: Mapping[int, Sellable], totals: Totals) -> list[NewOrderLine]:
    result = []
    for priced in totals.lines:
        s = sellable[priced.variant_id]
        result.append(
            NewOrderLine(
                priced.variant_id,
                s.sku,
                s.product_name,
                s.variant_name,
                priced.quantity,
                priced.unit_price,
                tuple((d.label, d.amount) for d in priced.discounts),
                priced.total,
            )
        )
    assert len(result) == len(lines)
    return result


def with_pickup_code(placed: OrderRef, secret: str, key: str) -> OrderRef:
    """A retried checkout's order with its pickup code again (none if the secret changed since)."""
    code = pickup_code(secret, placed.token, key)
    return (
        replace(placed, pickup_code=code)
        if pickup_code_matches(placed.token, placed.pickup_code_hash, code)
        else placed
    )


async def _already_placed(
    uow: CheckoutUnitOfWork, principal: Principal, token: str | None, key: str, secret: str
) -> OrderRef:
    """The order this key placed from the cart `token` before (a retry), when the cart could not be
    claimed; NOT_FOUND or INVALID when there is none."""
    cart = await uow.carts.cart(token) if token else None
    if cart is None or not can_use_cart(cart, principal):
        raise DomainError(Code.NOT_FOUND, "No such cart.", ["cartId"])
    check_can_change(cart, principal)
    placed = await uow.orders.order_by_key(cart.id, key)
    if placed is None:
        raise DomainError(Code.INVALID, "The cart has already been checked out.", ["cartId"])
    return with_pickup_code(placed, secret, key)


async def _allocations(
    uow: CheckoutUnitOfWork,
    cart: CartState,
    channel: ChannelInfo,
    lines: Sequence[CartLineState],
    method: FulfilmentMethod,
    store: int | None,
) -> list[Allocation] | DomainError:
    """Where the lines' units come from, or why they cannot come (raised by the caller, after the
    errors that come first)."""
    sources = await uow.orders.sources(channel.id, [ln.variant_id for ln in lines], method, store)
    try:
        return allocate(
            [Line(str(i), ln.variant_id, ln.quantity) for i, ln in enumerate(lines)],
            sources,
            method,
            location_id=store,
            destination=destination(cart.address),
            routing=channel.routing,
        )
    except DomainError as error:
        return error


async def complete_checkout(
    uow: CheckoutUnitOfWork,
    principal: Principal,
    token: str | None,
    idempotency_key: str,
    *,
    secret: str,
    rules: PricingRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> OrderRef:
    """Place the cart's order; the same key for the same cart returns the same order (and its pickup
    code: `secret` derives it, see domain/orders/pickup.py)."""
    key = check_key(idempotency_key)
    now = now or uow.clock()
    claimed = await uow.orders.claim_cart(token, now) if token else None
    if claimed is None:  # no such cart, or already checked out: by this key (a retry) or another
        return await _already_placed(uow, principal, token, key, secret)
    cart, channel = claimed
    if not can_use_cart(cart, principal):  # the claim rolls back with the error
        raise DomainError(Code.NOT_FOUND, "No such cart.", ["cartId"])
    check_can_change(cart, principal)
    if cart.member_id is not None:
        # A member's checkouts go one at a time: what a flash sale's per-member limit, a first-order
        # promotion and the points balance read below must not change until this order is written.
        await uow.points.lock_balance(cart.member_id)
    lines, sellable = await uow.orders.cart_lines(cart.id, cart.channel_id)
    if not lines:
        raise DomainError(Code.CART_EMPTY, "The cart has no lines.", ["cartId"])
    method, store = checkout_fulfilment(cart)
    check_checkout_channel(cart, channel)
    check_till_method(cart, channel, method, ["cartId"])
    raise_all(
        [
            DomainError(Code.NOT_FOUND, "The channel no longer sells this; remove the line.", ["lines", str(i)])
            for i, ln in enumerate(lines)
            if ln.variant_id not in sellable
        ]
    )
    allocations = await _allocations(uow, cart, channel, lines, method, store)
    if isinstance(allocations, DomainError) and not cart.coupon_code:
        # Only a coupon makes pricing refuse a cart: without one, the want of stock is the answer, given
        # before the promotions are read (most of a sold-out flash sale's checkouts end here).
        raise allocations
    pricing = await price_cart_lines(
        uow.promotions, cart, lines, {v: s.price for v, s in sellable.items()}, channel, method, now=now, rules=rules
    )
    if pricing.coupon_error is not None:
        raise pricing.coupon_error  # the shopper expects the coupon's discount: never charge without it
    if isinstance(allocations, DomainError):
        raise allocations
    totals = pricing.totals
    order_token = new_token()
    code = pickup_code(secret, order_token, key) if method is FulfilmentMethod.PICKUP else None
    order = await uow.orders.add_order(
        NewOrder(
            order_token,
            cart.id,
            key,
            channel.id,
            cart.member_id,
            cart.location_id if cart.location_id is not None else store,
            cart.staff_id,
            method,
            store if method is FulfilmentMethod.PICKUP else None,
            cart.address,
            totals,
            hash_pickup_code(order_token, code) if code else None,
            now + UNPAID_TTL,
            now,
            pricing.coupon.code if pricing.coupon else None,
            pricing.result.points_multiplier,
            cart.location_id if cart.at_till else None,
            Referral(cart.referring_location_id, cart.guide_id, cart.guide_location_id),
        ),
        order_lines(lines, sellable, totals),
        allocations,
        OrderEvent(
            OrderEventType.PLACED,
            {"total": str(totals.total), "lines": len(lines)},
            principal.staff_id,
            principal.member_id,
        ),
    )
    if pricing.coupon is not None and not await uow.promotions.redeem(
        pricing.coupon.id,
        now,
        order_id=order.id,
        location_id=cart.location_id if cart.at_till else None,
        staff_id=principal.staff_id,
    ):
        raise DomainError(
            Code.COUPON_ALREADY_REDEEMED, "The coupon was used a moment ago; remove it to go on.", ["cartId"]
        )
    if cart.member_id is not None:
        await uow.promotions.record_uses(
            order.id,
            cart.member_id,
            [
                (a.id, variant, units)
                for a in pricing.result.applied
                if a.source is PromotionSource.PROMOTION
                for variant, units in a.units
            ],
        )
    reference = f"order:{order.number}"
    if cart.member_id is not None and totals.points_spent:
        await spend_points(
            uow, cart.member_id, totals.points_spent, reference, channel_id=channel.id, field=["cartId"], now=now
        )
    # The reservation is the transaction's last write: the stock rows are locked from it to the commit.
    await move_allocations(
        uow, allocations, MovementKind.RESERVATION, reference, staff_id=principal.staff_id, last=True
    )
    return replace(order, pickup_code=code)
