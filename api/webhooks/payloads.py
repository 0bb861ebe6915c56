"""The default payload of each event, and turning the outbox's webhook events into deliveries.

The body follows API-CONTRACT.md: `{"event": "ORDER_PAID", "createdAt": "...", "data": {...}}`.
`data` names what changed by its global id (as the graph does), plus an order's number and status;
it carries no personal data, so an app needs the matching scope to read more through the graph:

| event | data |
|---|---|
| ORDER_CREATED, ORDER_PAID, ORDER_CANCELLED, ORDER_COMPLETED, ORDER_RETURNED | `{"order": {"number", "status"}}` |
| STOCK_CHANGED | `{"variant": {"id"}, "location": {"id"}}` |
| PRODUCT_UPDATED | `{"product": {"id"}}` |
| MEMBER_CREATED, MEMBER_ERASED | `{"member": {"id"}}` |
| COUPON_REDEEMED | `{"coupon": {"id"}}` |
| SETTLEMENT_STATEMENT_CONFIRMED | `{"statement": {"id"}}` |

An order's global id is its bearer token, so it is left out: `order(number:)` finds it for an app
that may read orders. The body is fixed when the delivery is made (after the change committed), so
every attempt sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_deliveries, webhook_events
from db.models import Order
from domain.apps.webhooks import WebhookEventType as E
from schema.relay import to_global_id

ORDER_EVENTS = frozenset({E.ORDER_CREATED, E.ORDER_PAID, E.ORDER_CANCELLED, E.ORDER_COMPLETED, E.ORDER_RETURNED})
SUBJECT_TYPES = {E.PRODUCT_UPDATED: ("product", "Product"), E.COUPON_REDEEMED: ("coupon", "Coupon")}
SUBJECT_TYPES |= {e: ("member", "Member") for e in (E.MEMBER_CREATED, E.MEMBER_ERASED)}
SUBJECT_TYPES[E.SETTLEMENT_STATEMENT_CONFIRMED] = ("statement", "SettlementStatement")


async def fan_out(session: AsyncSession, events: Sequence[tuple[str, str]], now: datetime) -> int:
    """One delivery per subscribed webhook for each webhook event among `events` (outbox topic, message),
    in the caller's transaction; how many."""
    announced = [(e, m) for t, m in events if (e := webhook_events.event_of(t)) is not None]
    if not announced:
        return 0
    subscribers = await webhook_deliveries.subscribers(session)
    wanted = [(e, m) for e, m in announced if any(e in s.events for s in subscribers)]
    if not wanted:
        return 0
    orders = await _orders(session, [int(m) for e, m in wanted if e in ORDER_EVENTS])
    created_at = now.isoformat().replace("+00:00", "Z")
    rows = []
    for event, message in wanted:
        data = default_data(event, message, orders)
        if data is None:
            continue
        body = orjson.dumps({"event": event.value, "createdAt": created_at, "data": data}).decode()
        rows += [(s.webhook_id, event, body) for s in subscribers if event in s.events]
    await webhook_deliveries.add(session, rows, now)
    return len(rows)


def default_data(event: E, message: str, orders: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """The event's default `data` (None: its subject is gone)."""
    if event in ORDER_EVENTS:
        order = orders.get(int(message))
        return {"order": order} if order else None
    if event is E.STOCK_CHANGED:
        variant, _, location = message.partition(":")
        return {
            "variant": {"id": to_global_id("ProductVariant", int(variant))},
            "location": {"id": to_global_id("Location", int(location))},
        }
    key, type_name = SUBJECT_TYPES[event]
    return {key: {"id": to_global_id(type_name, int(message))}}


async def _orders(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await session.execute(sa.select(Order.id, Order.number, Order.status).where(Order.id.in_(ids)))
    return {i: {"number": number, "status": status.value} for i, number, status in rows}
