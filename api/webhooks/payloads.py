"""The default payload of each event, and turning the outbox's webhook events into deliveries.

The body follows API-CONTRACT.md: `{"event": "ORDER_PAID", "createdAt": "...", "data": {...}}`.
`data` names what changed by its global id (as the graph does), plus an order's number and status;
it carries no personal data, so an app needs the matching scope to read more through the graph:

| event | data |
|---|---|
| ORDER_CREATED, _PAID, _CANCELLED, _FULFILLED, _COMPLETED, _RETURNED | `{"order": {"number", "status"}}` |
| STOCK_CHANGED | `{"variant": {"id"}, "location": {"id"}}` |
| PRODUCT_UPDATED | `{"product": {"id"}}` |
| MEMBER_CREATED, MEMBER_ERASED | `{"member": {"id"}}` |
| COUPON_REDEEMED | `{"coupon": {"id"}}` |
| PAYMENT_REFUND_REQUESTED | `{"transaction": {"id", "pspReference"}, "order": {...}, "amount": {...}}` |
| SETTLEMENT_STATEMENT_CONFIRMED | `{"statement": {"id"}}` |

A refund request goes only to the webhooks of the app whose transaction it is (PAYMENT_INITIALIZE
is no event of the outbox: `transactionInitialize` calls the gateway itself, api/webhooks/sync_call.py).

An order's global id is its bearer token, so it is left out: `order(number:)` finds it for an app
that may read orders.

A webhook with a payload query (`Webhook.query`) gets the query's result instead: `data` is its
`data` (`{"event": {...}}`), and its `errors`, when a field failed or was refused to the app, come
beside it. The query runs here, when the relay turns the committed outbox rows into deliveries,
rather than at each attempt: the relay runs right after the change commits, so `data` shows the
state the event announced (a retry hours later would otherwise describe a later state), every
attempt sends the same bytes under the same `webhook-id`, and an attempt never waits on a query
while it holds an endpoint's slot. It runs in the relay's transaction with the app's principal
and its own loaders, within the query limits the document passed when it was registered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_deliveries, webhook_events
from db.models import Order, Transaction
from domain.access.model import app as app_principal
from domain.apps.webhooks import PAYLOAD_SUBJECTS, PayloadSubject
from domain.apps.webhooks import WebhookEventType as E
from domain.money import round_to_minor
from schema.apps.payload_queries import PayloadQueries
from schema.apps.payload_types import payload_event
from schema.context import Services
from schema.relay import to_global_id

ORDER_EVENTS = frozenset(e for e, s in PAYLOAD_SUBJECTS.items() if s is PayloadSubject.ORDER)
log = logging.getLogger("omnishop.webhooks")

SUBJECT_TYPES = {E.PRODUCT_UPDATED: ("product", "Product"), E.COUPON_REDEEMED: ("coupon", "Coupon")}
SUBJECT_TYPES |= {e: ("member", "Member") for e in (E.MEMBER_CREATED, E.MEMBER_ERASED)}
SUBJECT_TYPES[E.SETTLEMENT_STATEMENT_CONFIRMED] = ("statement", "SettlementStatement")


@dataclass(frozen=True, slots=True)
class PayloadRenderer:
    """What running payload queries needs: the schema's documents and the services resolvers read."""

    queries: PayloadQueries
    services: Services


async def fan_out(
    session: AsyncSession,
    events: Sequence[tuple[str, str]],
    now: datetime,
    renderer: PayloadRenderer | None = None,
    subscribers: Callable[[], Awaitable[list[webhook_deliveries.Subscriber]]] | None = None,
) -> int:
    """One delivery per subscribed webhook for each webhook event among `events` (outbox topic, message),
    in the caller's transaction; how many. Without a `renderer` every webhook gets the default payload;
    `subscribers` gives them (the relay's copy: `SubscriberCache`), else they are read."""
    announced = [(e, m) for t, m in events if (e := webhook_events.event_of(t)) is not None]
    if not announced:
        return 0
    subscribers_now = await (subscribers() if subscribers else webhook_deliveries.subscribers(session))
    wanted = [(e, m) for e, m in announced if any(e in s.events for s in subscribers_now)]
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
        envelope = {"event": event.value, "createdAt": created_at}
        default = orjson.dumps({**envelope, "data": data}).decode()
        # One run per query and app for each event (an app's webhooks often share a query). Not shared
        # between apps with the same scopes: what a field shows may depend on which app asks.
        shaped: dict[tuple[str, int], str] = {}
        for s in subscribers_now:
            if event not in s.events or (event is E.PAYMENT_REFUND_REQUESTED and s.app_id != app_id):
                continue
            body = default
            if s.query is not None and renderer is not None:  # only events with a subject (webhook rules)
                key = (s.query, s.app_id)
                if key not in shaped:
                    result = await _shaped(session, renderer, s, event, message, now, orders)
                    shaped[key] = orjson.dumps({**envelope, **result}).decode()
                body = shaped[key]
            rows.append((s.webhook_id, event, body))
    await webhook_deliveries.add(session, rows, now)
    return len(rows)


async def _shaped(
    session: AsyncSession,
    renderer: PayloadRenderer,
    subscriber: webhook_deliveries.Subscriber,
    event: E,
    message: str,
    now: datetime,
    orders: dict[int, dict[str, Any]],
) -> dict[str, Any]:
    """The payload query's `{"data", "errors"}` for one webhook, as its app sees the graph."""
    assert subscriber.query is not None
    order = orders.get(int(message)) if event in ORDER_EVENTS else None
    root = payload_event(event, message, now, (order["token"], order["number"]) if order else None)
    if root is None:
        return {"data": None}
    principal = app_principal(subscriber.app_id, subscriber.scopes)
    try:
        async with session.begin_nested():  # a statement that fails rolls back to here, not the relay's batch
            return await renderer.queries.run(
                subscriber.query, root, session=session, principal=principal, services=renderer.services
            )
    except Exception:  # a delivery is still owed: say the payload failed rather than lose the event
        log.exception("payload query of webhook %s failed", subscriber.webhook_id)
        return {
            "data": None,
            "errors": [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
        }


def default_data(event: E, message: str, orders: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """The event's default `data` (None: its subject is gone)."""
    if event in ORDER_EVENTS:
        order = orders.get(int(message))
        return {"order": {"number": order["number"], "status": order["status"]}} if order else None
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
    rows = await session.execute(sa.select(Order.id, Order.number, Order.status, Order.token).where(Order.id.in_(ids)))
    return {i: {"number": number, "status": status.value, "token": token} for i, number, status, token in rows}


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
