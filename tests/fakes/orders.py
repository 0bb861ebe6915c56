"""In-memory carts, orders and promotions: a cart is claimed once, an order per cart and key is
written once, a coupon is redeemed once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.inventory.model import Allocation, FulfilmentMethod, Source
from domain.orders.access import order_locations
from domain.orders.cart_pricing import MemberFacts
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo, LocationInfo
from domain.orders.carts import NewCart
from domain.orders.checkout import NewOrder, NewOrderLine, OrderEvent, OrderRef, Sellable
from domain.orders.fulfilment import FulfilmentState, FulfilmentStatus, fulfilment_locations
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType
from domain.orders.returns import SoldLine
from domain.orders.services import OrderState, PaymentRecord
from domain.promotions import Promotion
from domain.promotions.coupons import CouponInfo, TemplateInfo
from tests.fakes.stock import FakeInventory, FakePoints


class FakeCarts:
    def __init__(self, points: FakePoints) -> None:
        self._points = points
        self.channels: dict[int, ChannelInfo] = {}
        self.slugs: dict[str | None, int] = {}  # None: the default channel
        self.carts: dict[str, CartState] = {}
        self.lines_of: dict[int, list[CartLineState]] = defaultdict(list)
        self.prices_of: dict[tuple[int, int], Decimal] = {}
        self.stores: dict[int, LocationInfo] = {}

    async def channel(self, slug: str | None) -> ChannelInfo | None:
        found = self.slugs.get(slug)
        return None if found is None else self.channels[found]

    async def channel_by_id(self, channel_id: int) -> ChannelInfo:
        return self.channels[channel_id]

    async def member_exists(self, member_id: int) -> bool:
        return member_id in self._points.balances

    async def create(self, cart: NewCart) -> int:
        cart_id = len(self.carts) + 1
        self.carts[cart.token] = CartState(
            cart_id,
            cart.token,
            cart.channel_id,
            cart.member_id,
            cart.location_id,
            cart.staff_id,
            *(None,) * 3,
            0,
            False,
        )
        return cart_id

    async def cart(self, token: str, *, lock: bool = False) -> CartState | None:
        return self.carts.get(token)

    async def lines(self, cart_id: int) -> list[CartLineState]:
        return list(self.lines_of[cart_id])

    async def sellable_variants(self, channel_id: int, variant_ids: Sequence[int]) -> set[int]:
        return {v for v in variant_ids if (channel_id, v) in self.prices_of}

    async def prices(self, channel_id: int, variant_ids: Sequence[int]) -> dict[int, Decimal]:
        return {v: self.prices_of[(channel_id, v)] for v in variant_ids if (channel_id, v) in self.prices_of}

    async def save_lines(self, cart_id: int, quantities: dict[int, int]) -> None:
        kept = [ln for ln in self.lines_of[cart_id] if ln.variant_id not in quantities]
        added = [CartLineState(100 * cart_id + v, v, q) for v, q in quantities.items()]
        self.lines_of[cart_id] = kept + added

    async def remove_lines(self, cart_id: int, line_ids: Sequence[int]) -> None:
        self.lines_of[cart_id] = [ln for ln in self.lines_of[cart_id] if ln.id not in line_ids]

    async def set_fulfilment(
        self, cart_id: int, method: FulfilmentMethod, pickup_location_id: int | None, address: dict[str, object] | None
    ) -> None:
        self._change(cart_id, method=method, pickup_location_id=pickup_location_id, address=address)

    async def set_points(self, cart_id: int, points: int) -> None:
        self._change(cart_id, points=points)

    async def set_coupon(self, cart_id: int, code: str | None) -> None:
        self._change(cart_id, coupon_code=code)

    async def location(self, location_id: int, channel_id: int) -> LocationInfo | None:
        return self.stores.get(location_id)

    async def points_balance(self, member_id: int) -> int:
        return self._points.balances.get(member_id, 0)

    def _change(self, cart_id: int, **changes: Any) -> None:
        cart = next(c for c in self.carts.values() if c.id == cart_id)
        self.carts[cart.token] = replace(cart, **changes)


@dataclass
class Placed:
    """An order as the fake keeps it: its state and what hangs off it."""

    state: OrderState
    key: tuple[int, str]
    lines: list[SoldLine]
    allocations: list[Allocation]
    payments: list[PaymentRecord] = field(default_factory=list)
    events: list[tuple[OrderEventType, dict[str, Any]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # expires_at, tracking_number


class FakeOrders:
    """Both sides of an order: `CheckoutRepository` writes it, `ReturnsRepository` moves it on."""

    def __init__(self, carts: FakeCarts, inventory: FakeInventory) -> None:
        self._carts, self._inventory = carts, inventory
        self.placed: dict[int, Placed] = {}
        self.names: dict[int, str] = {}  # variant id -> product name, for cart_lines()
        self.parts: dict[int, FulfilmentState] = {}

    # checkout
    async def order_by_key(self, cart_id: int, idempotency_key: str) -> OrderRef | None:
        found = next((p for p in self.placed.values() if p.key == (cart_id, idempotency_key)), None)
        return None if found is None else self._ref(found)

    async def claim_cart(self, token: str, now: datetime) -> tuple[CartState, ChannelInfo] | None:
        cart = self._carts.carts.get(token)
        if cart is None or cart.completed:
            return None
        self._carts.carts[token] = replace(cart, completed=True)
        return self._carts.carts[token], self._carts.channels[cart.channel_id]

    async def cart_lines(self, cart_id: int, channel_id: int) -> tuple[list[CartLineState], dict[int, Sellable]]:
        lines = await self._carts.lines(cart_id)
        prices = await self._carts.prices(channel_id, [ln.variant_id for ln in lines])
        sold = {v: Sellable(v, p, f"SKU-{v}", self.names.get(v, f"Product {v}"), "Default") for v, p in prices.items()}
        return lines, sold

    async def sources(
        self, channel_id: int, variant_ids: Sequence[int], method: FulfilmentMethod, location_id: int | None
    ) -> list[Source]:
        inv = self._inventory
        return [
            Source(
                loc,
                kind,
                inv.priorities.get(loc, loc),
                {v: lv.available for (v, at), lv in inv.levels.items() if at == loc},
                *inv.coordinates.get(loc, (None, None)),
            )
            for loc, kind in sorted(inv.locations.items())
            if location_id is None or loc == location_id
        ]

    async def add_order(
        self, order: NewOrder, lines: Sequence[NewOrderLine], allocations: Sequence[Allocation], placed: OrderEvent
    ) -> OrderRef:
        assert await self.order_by_key(order.cart_id, order.idempotency_key) is None, "one claim, one order"
        order_id = len(self.placed) + 1
        channel = self._carts.channels[order.channel_id]
        state = OrderState(
            order_id,
            order.token,
            f"{1000 + order_id}",
            OrderStatus.UNPAID,
            order.method,
            order.channel_id,
            order.member_id,
            order.location_id,
            order.pickup_location_id,
            order.totals.currency,
            order.totals.total,
            order.totals.points_spent,
            0,
            order.pickup_code_hash,
            0,
            channel.points_per_unit,
            order.points_multiplier,
        )
        sold = [SoldLine(i, ln.variant_id, ln.quantity, 0, ln.total) for i, ln in enumerate(lines)]
        self.placed[order_id] = Placed(state, (order.cart_id, order.idempotency_key), sold, list(allocations))
        self.placed[order_id].extra["expires_at"] = order.expires_at
        for loc in fulfilment_locations(allocations):
            fid = len(self.parts) + 1
            self.parts[fid] = FulfilmentState(fid, order_id, loc, FulfilmentStatus.PENDING)
        self.placed[order_id].events.append((placed.type, dict(placed.data)))
        return self._ref(self.placed[order_id])

    # after checkout
    async def order(self, token: str) -> OrderState | None:
        return next((p.state for p in self.placed.values() if p.state.token == token), None)

    async def locations(self, order_id: int) -> frozenset[int]:
        p = self.placed[order_id]
        return order_locations(p.state.location_id, (a.location_id for a in p.allocations))

    def _update(self, order_id: int, **changes: Any) -> None:
        p = self.placed[order_id]
        known = {k: v for k, v in changes.items() if hasattr(p.state, k)}
        p.state = replace(p.state, **known)
        p.extra.update({k: v for k, v in changes.items() if k not in known})

    async def set_status(self, order_id: int, status: OrderStatus) -> None:
        self._update(order_id, status=status)

    async def end_payment_wait(self, order_id: int, status: OrderStatus) -> None:
        self._update(order_id, status=status, expires_at=None)

    async def record_shipment(self, order_id: int, status: OrderStatus, tracking_number: str | None) -> None:
        self._update(order_id, status=status, tracking_number=tracking_number)

    async def record_completion(self, order_id: int, points_earned: int) -> None:
        self._update(order_id, status=OrderStatus.COMPLETED, points_earned=points_earned)

    async def record_pickup_attempt(self, order_id: int) -> None:
        self._update(order_id, pickup_attempts=self.placed[order_id].state.pickup_attempts + 1)

    async def allocations(self, order_id: int) -> list[Allocation]:
        return list(self.placed[order_id].allocations)

    async def fulfilments(self, order_id: int) -> list[FulfilmentState]:
        return [f for f in self.parts.values() if f.order_id == order_id]

    async def fulfilment_order(self, fulfilment_id: int) -> str | None:
        f = self.parts.get(fulfilment_id)
        return None if f is None else self.placed[f.order_id].state.token

    async def set_fulfilments(self, ids: Sequence[int], status: FulfilmentStatus) -> None:
        for i in ids:
            self.parts[i] = replace(self.parts[i], status=status)

    async def record_fulfilment_shipment(self, ids: Sequence[int], tracking_number: str | None) -> None:
        for i in ids:
            self.parts[i] = replace(self.parts[i], status=FulfilmentStatus.SHIPPED, tracking_number=tracking_number)

    async def payments(self, order_id: int) -> list[PaymentRecord]:
        return list(self.placed[order_id].payments)

    async def add_payment(self, order_id: int, payment: PaymentRecord, currency: str, staff_id: int | None) -> None:
        self.placed[order_id].payments.append(payment)

    async def add_event(
        self,
        order_id: int,
        type: OrderEventType,
        data: Mapping[str, Any],
        *,
        staff_id: int | None,
        member_id: int | None,
    ) -> None:
        self.placed[order_id].events.append((type, dict(data)))

    async def expired(self, now: datetime, limit: int) -> list[str]:
        due = [p for p in self.placed.values() if p.state.status is OrderStatus.UNPAID and p.extra["expires_at"] <= now]
        return [p.state.token for p in due][:limit]

    # returns
    async def lines(self, order_id: int) -> list[SoldLine]:
        return list(self.placed[order_id].lines)

    async def add_returned(self, line_id: int, quantity: int) -> None:
        for p in self.placed.values():
            p.lines = [
                replace(ln, returned_quantity=ln.returned_quantity + quantity) if ln.id == line_id else ln
                for ln in p.lines
            ]

    async def location_exists(self, location_id: int) -> bool:
        return location_id in self._inventory.locations

    def _ref(self, p: Placed) -> OrderRef:
        return OrderRef(p.state.id, p.state.token, p.state.number, p.state.pickup_code_hash)


class FakePromotions:
    """Running promotions and coupons; a coupon is redeemed once and an unpaid order's comes back."""

    def __init__(self) -> None:
        self.running: list[Promotion] = []
        self.coupons: dict[str, tuple[CouponInfo, TemplateInfo]] = {}
        self.redeemed: dict[int, int | None] = {}  # coupon id -> order id
        self.uses: list[tuple[int, int, tuple[int, int, int]]] = []

    async def running_promotions(self, now: datetime) -> list[Promotion]:
        return list(self.running)

    async def catalogue_facts(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
        return {v: (v, frozenset()) for v in variant_ids}

    async def member_facts(self, member_id: int, promotion_ids: Sequence[int]) -> MemberFacts:
        return MemberFacts()

    async def coupon(self, code: str) -> tuple[CouponInfo, TemplateInfo] | None:
        return self.coupons.get(code)

    async def redeem(
        self, coupon_id: int, now: datetime, *, order_id: int | None, location_id: int | None, staff_id: int | None
    ) -> bool:
        if coupon_id in self.redeemed:
            return False
        self.redeemed[coupon_id] = order_id
        return True

    async def record_uses(self, order_id: int, member_id: int, uses: Sequence[tuple[int, int, int]]) -> None:
        self.uses += [(order_id, member_id, use) for use in uses]

    async def restore(self, order_id: int) -> list[str]:
        back = [c for c, o in self.redeemed.items() if o == order_id]
        for coupon_id in back:
            del self.redeemed[coupon_id]
        return [info.code for info, _ in self.coupons.values() if info.id in back]
