"""Announcing webhook events: an outbox row (topic `webhook:<EVENT>`, the subject's id) written in the
changing transaction, so an event is delivered exactly when its change commits. The outbox relay
turns each into one delivery per subscribed webhook (api/webhooks/fanout.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db import outbox
from domain.apps.webhooks import WebhookEventType
from domain.orders.records import OrderEventType

PREFIX = "webhook:"

# The order history entries that are webhook events (an unpaid order that expires is cancelled; a
# pickup order collected is fulfilled; a shipped one is fulfilled when its last fulfilment leaves,
# which `SqlOrdersRepository.record_shipment` announces).
ORDER_EVENTS = {
    OrderEventType.PLACED: WebhookEventType.ORDER_CREATED,
    OrderEventType.PAID: WebhookEventType.ORDER_PAID,
    OrderEventType.CANCELLED: WebhookEventType.ORDER_CANCELLED,
    OrderEventType.EXPIRED: WebhookEventType.ORDER_CANCELLED,
    OrderEventType.PICKED_UP: WebhookEventType.ORDER_FULFILLED,
    OrderEventType.COMPLETED: WebhookEventType.ORDER_COMPLETED,
    OrderEventType.RETURNED: WebhookEventType.ORDER_RETURNED,
}


def topic(event: WebhookEventType) -> str:
    return PREFIX + event.value


def event_of(topic: str) -> WebhookEventType | None:
    """The webhook event an outbox topic announces, if it is one."""
    name = topic.removeprefix(PREFIX)
    return WebhookEventType(name) if name != topic and name in WebhookEventType.__members__ else None


def rows(event: WebhookEventType, subjects: Iterable[object]) -> list[tuple[str, str]]:
    """Outbox rows announcing `event` for each subject (an id; `variant:location` for stock)."""
    return [(topic(event), str(s)) for s in subjects]


def order_events(type: OrderEventType, order_id: int) -> list[tuple[str, str]]:
    """The outbox rows announcing an order history entry to webhooks (none for most entries)."""
    event = ORDER_EVENTS.get(type)
    return rows(event, [order_id]) if event else []


async def announce(session: AsyncSession, event: WebhookEventType, subject: object, now: datetime) -> None:
    await outbox.record(session, rows(event, [subject]), now)
