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
| PAYMENT_REFUND_REQUESTED | `{"transaction": {"id", "pspReference"}, "order": {...}, "amount": {...}}` |

A refund request goes only to the webhooks of the app whose transaction it is (PAYMENT_INITIALIZE
is no event of the outbox: `transactionInitialize` calls the gateway itself, api/webhooks/sync_call.py).

An order's global id is its bearer token, so it is left out: `order(number:)` finds it for an app
that may read orders. The body is fixed when the delivery is made (after the change committed), so
every attempt sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_deliveries, webhook_events
from db.models import Order, Transaction
from domain.apps.webhooks import WebhookEventType as E
from domain.money import round_to_minor
from schema.relay import to_global_id

ORDER_EVENTS = frozenset({E.ORDER_CREATED, E.ORDER_PAID, E.ORDER_CANCELLED, E.ORDER_COMPLETED, E.ORDER_RETURNED})
SUBJECT_TYPES = {E.PRODUCT_UPDATED: ("product", "Product"), E.COUPON_REDEEMED: ("coupon", "Coupon")}
SUBJECT_TYPES |= {e: ("member", "Member") for e in (E.MEMBER_CREATED, E.MEMBER_ERASED)}


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
    refunds = await _refunds(session, [m for e, m in wanted if e is E.PAYMENT_REFUND_REQUESTED])
    created_at = now.isoformat().replace("+00:00", "Z")
    rows = []
    for event, message in wanted:
        app_id: int | None = None  # None: every subscriber; a refund request only its transaction's app
        if event is E.PAYMENT_REFUND_REQUESTED:
            app_id, data = refunds.get(message, (None, None))
        else:
            data = default_data(event, message, orders)
        if data is None:
            continue
        body = orjson.dumps({"event": event.value, "createdAt": created_at, "data": data}).decode()
        rows += [
            (s.webhook_id, event, body)
            for s in subscribers
            if event in s.events and (event is not E.PAYMENT_REFUND_REQUESTED or s.app_id == app_id)
        ]
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


async def _refunds(session: AsyncSession, messages: list[str]) -> dict[str, tuple[int | None, dict[str, Any] | None]]:
    """Refund requests (`transaction:amount`): the app asked, and the payload's data."""
    if not messages:
        return {}
    ids = {int(m.partition(":")[0]) for m in messages}
    rows = await session.execute(
        sa.select(Transaction.id, Transaction.app_id, Transaction.currency, Transaction.psp_reference)
        .add_columns(Order.number, Order.status)
        .join(Order, Order.id == Transaction.order_id)
        .where(Transaction.id.in_(ids))
    )
    found = {r[0]: r for r in rows}
    result: dict[str, tuple[int | None, dict[str, Any] | None]] = {}
    for message in messages:
        transaction_id, _, amount = message.partition(":")
        row = found.get(int(transaction_id))
        if row is None:
            continue
        _, app_id, currency, reference, number, status = row
        result[message] = (
            app_id,
            {
                "transaction": {"id": to_global_id("Transaction", row[0]), "pspReference": reference},
                "order": {"number": number, "status": status.value},
                "amount": {"amount": str(round_to_minor(Decimal(amount), currency)), "currency": currency},
            },
        )
    return result
