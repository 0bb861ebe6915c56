"""Order storage: implements `domain.orders.checkout.CheckoutRepository` and
`domain.orders.services.OrdersRepository`.

Orders are written with Core statements and read as plain columns (never ORM objects that could
go stale in the session). `order()` locks the row (FOR UPDATE on PostgreSQL; SQLite write
transactions take turns), so concurrent transitions of one order queue up. The order number is
derived from the row id and the day (`OS-20261123-000123`): unique by construction, and readable
over the phone (db/order_writes.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import checkout_reads, outbox, report_feed, webhook_events
from db.mappers import columns, state
from db.models import (
    Channel,
    Fulfilment,
    Location,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    OrderLocation,
    OutboxEvent,
    Payment,
)
from db.order_queries import remember_placed
from db.order_writes import order_rows, stored_order, write_order
from db.sql import core_rows, dialect_name
from db.types import UtcDateTime
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.inventory.model import Allocation, FulfilmentMethod, Source
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo
from domain.orders.checkout import NewOrder, NewOrderLine, OrderRef, Sellable
from domain.orders.checkout import OrderEvent as PlacedEvent
from domain.orders.fulfilment import FulfilmentState, FulfilmentStatus
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType
from domain.orders.returns import SoldLine
from domain.orders.services import OrderState, PaymentRecord

_STATE = columns(
    id=Order.id,
    token=Order.token,
    number=Order.number,
    status=Order.status,
    method=Order.fulfilment_method,
    channel_id=Order.channel_id,
    member_id=Order.member_id,
    location_id=Order.location_id,
    pickup_location_id=Order.pickup_location_id,
    currency=Order.currency,
    total=Order.total,
    points_spent=Order.points_spent,
    points_earned=Order.points_earned,
    pickup_code_hash=Order.pickup_code_hash,
    pickup_attempts=Order.pickup_attempts,
    points_per_unit=Channel.points_per_unit,
    points_multiplier=Order.points_multiplier,
)


class SqlOrdersRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock
        self._claimed_lines: dict[tuple[int, int], checkout_reads.Lines] = {}  # read with the claim

    # Checkout

    async def order_by_key(self, cart_id: int, idempotency_key: str) -> OrderRef | None:
        row = (
            await self.session.execute(
                sa.select(
                    *columns(
                        id=Order.id, token=Order.token, number=Order.number, pickup_code_hash=Order.pickup_code_hash
                    )
                ).where(Order.cart_id == cart_id, Order.idempotency_key == idempotency_key)
            )
        ).first()
        return state(OrderRef, row) if row else None

    async def claim_cart(self, token: str, now: datetime) -> tuple[CartState, ChannelInfo] | None:
        dialect = dialect_name(self.session)
        statement = checkout_reads.claim_statement(dialect)
        rows = await core_rows(self.session, statement, {"cart_token": token, "claimed_at": now})
        if not rows:
            return None
        cart, channel = checkout_reads.claimed(rows)
        if dialect == "postgresql":  # the claim read the lines too
            self._claimed_lines[(cart.id, cart.channel_id)] = checkout_reads.lines(rows)
        return cart, channel

    async def cart_lines(self, cart_id: int, channel_id: int) -> tuple[list[CartLineState], dict[int, Sellable]]:
        if (found := self._claimed_lines.pop((cart_id, channel_id), None)) is not None:
            return found
        parameters = {"cart_id": cart_id, "channel_id": channel_id}
        return checkout_reads.lines(await core_rows(self.session, checkout_reads.lines_statement(), parameters))

    async def sources(
        self, channel_id: int, variant_ids: Sequence[int], method: FulfilmentMethod, location_id: int | None
    ) -> list[Source]:
        statement = checkout_reads.sources_statement(dialect_name(self.session), at_location=location_id is not None)
        parameters = {"channel_id": channel_id, "variant_ids": list(variant_ids), "location_id": location_id}
        found: dict[int, tuple[Any, ...]] = {}
        available: dict[int, dict[int, int]] = defaultdict(dict)
        rows = await core_rows(self.session, statement, parameters)
        for loc_id, type_, priority, lat, lon, variant_id, units in rows:
            found[loc_id] = (type_, priority, lat, lon)
            available[loc_id][variant_id] = int(units)
        return [Source(loc_id, t, p, available[loc_id], lat, lon) for loc_id, (t, p, lat, lon) in found.items()]

    async def add_order(
        self, order: NewOrder, lines: Sequence[NewOrderLine], allocations: Sequence[Allocation], placed: PlacedEvent
    ) -> OrderRef:
        rows = order_rows(order, lines, allocations, placed)
        order_id, number = await write_order(self.session, rows)
        remember_placed(self.session, stored_order(rows, order_id, number, self.session.get_bind().dialect))
        return OrderRef(order_id, order.token, number)

    async def add_event(
        self,
        order_id: int,
        type: OrderEventType,
        data: Mapping[str, Any],
        *,
        staff_id: int | None,
        member_id: int | None,
    ) -> None:
        now = self.clock()
        await self.session.execute(
            sa.insert(OrderEvent).values(
                order_id=order_id,
                type=type,
                data=dict(data),
                staff_id=staff_id,
                member_id=member_id,
                created_at=now,
            )
        )
        # Every change of an order comes with an event: orderUpdated subscribers hear of it after commit,
        # and so do the screens of the locations that fulfil it (fulfillmentUpdated) and, for the entries
        # that are webhook events, the webhooks: in one statement.
        created_at = sa.literal(now, UtcDateTime())
        announced = [(outbox.order_topic(order_id), str(order_id)), *webhook_events.order_events(type, order_id)]
        rows = [sa.select(sa.literal(topic), sa.literal(message), created_at) for topic, message in announced]
        parts = sa.select(
            sa.literal(f"{outbox.FULFILMENT}:") + sa.cast(Fulfilment.location_id, sa.Text),
            sa.cast(Fulfilment.id, sa.Text),
            created_at,
        ).where(Fulfilment.order_id == order_id)
        await self.session.execute(
            sa.insert(OutboxEvent).from_select(["topic", "message", "created_at"], sa.union_all(*rows, parts))
        )
        self.session.info[outbox.WRITTEN] = True
        report_feed.note_event(self.session, type)

    # Transitions

    async def order(self, token: str) -> OrderState | None:
        row = (
            await self.session.execute(
                sa.select(*_STATE)
                .join(Channel, Channel.id == Order.channel_id)
                .where(Order.token == token)
                .with_for_update(of=Order)
            )
        ).first()
        return state(OrderState, row) if row else None

    async def locations(self, order_id: int) -> frozenset[int]:
        return frozenset(
            (
                await self.session.scalars(
                    sa.select(OrderLocation.location_id).where(OrderLocation.order_id == order_id)
                )
            ).all()
        )

    async def _update(self, order_id: int, **columns: Any) -> None:
        await self.session.execute(
            sa.update(Order).where(Order.id == order_id).values(**columns, updated_at=self.clock())
        )

    async def set_status(self, order_id: int, status: OrderStatus) -> None:
        await self._update(order_id, status=status)

    async def end_payment_wait(self, order_id: int, status: OrderStatus) -> None:
        await self._update(order_id, status=status, expires_at=None)

    async def record_shipment(self, order_id: int, status: OrderStatus, tracking_number: str | None) -> None:
        """Every fulfilment has left: the order is SHIPPED, and webhooks hear ORDER_FULFILLED."""
        await self._update(order_id, status=status, tracking_number=tracking_number)
        await webhook_events.announce(self.session, WebhookEventType.ORDER_FULFILLED, order_id, self.clock())

    async def record_completion(self, order_id: int, points_earned: int) -> None:
        await self._update(order_id, status=OrderStatus.COMPLETED, points_earned=points_earned)

    async def record_pickup_attempt(self, order_id: int) -> None:
        await self._update(order_id, pickup_attempts=Order.pickup_attempts + 1)

    async def allocations(self, order_id: int) -> list[Allocation]:
        rows = await self.session.execute(
            sa.select(
                OrderAllocation.order_line_id,
                OrderAllocation.variant_id,
                OrderAllocation.location_id,
                OrderAllocation.quantity,
            )
            .where(OrderAllocation.order_id == order_id)
            .order_by(OrderAllocation.id)
        )
        return [Allocation(str(line_id), v, loc, q) for line_id, v, loc, q in rows]

    async def fulfilments(self, order_id: int) -> list[FulfilmentState]:
        rows = await self.session.execute(
            sa.select(
                *columns(
                    id=Fulfilment.id,
                    order_id=Fulfilment.order_id,
                    location_id=Fulfilment.location_id,
                    status=Fulfilment.status,
                    tracking_number=Fulfilment.tracking_number,
                )
            )
            .where(Fulfilment.order_id == order_id)
            .order_by(Fulfilment.id)
        )
        return [state(FulfilmentState, r) for r in rows]

    async def fulfilment_order(self, fulfilment_id: int) -> str | None:
        return await self.session.scalar(
            sa.select(Order.token)
            .join(Fulfilment, Fulfilment.order_id == Order.id)
            .where(Fulfilment.id == fulfilment_id)
        )

    async def _update_fulfilments(self, ids: Sequence[int], **columns: Any) -> None:
        await self.session.execute(
            sa.update(Fulfilment).where(Fulfilment.id.in_(ids)).values(**columns, updated_at=self.clock())
        )

    async def set_fulfilments(self, ids: Sequence[int], status: FulfilmentStatus) -> None:
        await self._update_fulfilments(ids, status=status)

    async def record_fulfilment_shipment(self, ids: Sequence[int], tracking_number: str | None) -> None:
        await self._update_fulfilments(ids, status=FulfilmentStatus.SHIPPED, tracking_number=tracking_number)

    async def payments(self, order_id: int) -> list[PaymentRecord]:
        rows = await self.session.execute(
            sa.select(
                *columns(kind=Payment.kind, method=Payment.method, amount=Payment.amount, reference=Payment.reference)
            )
            .where(Payment.order_id == order_id)
            .order_by(Payment.id)
        )
        return [state(PaymentRecord, r) for r in rows]

    async def add_payment(self, order_id: int, payment: PaymentRecord, currency: str, staff_id: int | None) -> None:
        await self.session.execute(
            sa.insert(Payment).values(
                order_id=order_id,
                kind=payment.kind,
                method=payment.method,
                amount=payment.amount,
                currency=currency,
                reference=payment.reference,
                staff_id=staff_id,
                created_at=self.clock(),
            )
        )

    # Returns

    async def lines(self, order_id: int) -> list[SoldLine]:
        rows = await self.session.execute(
            sa.select(
                *columns(
                    id=OrderLine.id,
                    variant_id=OrderLine.variant_id,
                    quantity=OrderLine.quantity,
                    returned_quantity=OrderLine.returned_quantity,
                    total=OrderLine.total,
                )
            )
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.id)
        )
        return [state(SoldLine, r) for r in rows]

    async def add_returned(self, line_id: int, quantity: int) -> None:
        await self.session.execute(
            sa.update(OrderLine)
            .where(OrderLine.id == line_id)
            .values(returned_quantity=OrderLine.returned_quantity + quantity)
        )

    async def location_exists(self, location_id: int) -> bool:
        return bool(await self.session.scalar(sa.select(sa.exists().where(Location.id == location_id))))

    async def expired(self, now: datetime, limit: int) -> list[str]:
        return list(
            (
                await self.session.scalars(
                    sa.select(Order.token)
                    .where(Order.status == OrderStatus.UNPAID, Order.expires_at <= now)
                    .order_by(Order.expires_at, Order.id)
                    .limit(limit)
                )
            ).all()
        )
