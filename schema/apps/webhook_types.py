"""Webhook types: `Webhook` and its `deliveries`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from db import webhooks as wq
from db.models import Webhook as WebhookModel
from db.models import WebhookDelivery as DeliveryModel
from domain.access.model import AccessDenied
from domain.apps import webhooks
from schema.apps.enums import WebhookDeliveryStatus, WebhookEventType
from schema.context import Info
from schema.pagination import After, Before, Connection, First, Last, child_connection
from schema.relay import Node, register_node


@strawberry.type(description="One event for one webhook, and how its delivery went.")
class WebhookDelivery(Node):
    event: WebhookEventType = strawberry.field(description="What happened.")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="How many attempts were made.")
    response_status: int | None = strawberry.field(description="The HTTP status of the last answer; null if none came.")
    created_at: datetime = strawberry.field(description="When the event was committed.")

    @classmethod
    def from_model(cls, m: DeliveryModel) -> WebhookDelivery:
        return cls(
            pk=m.id,
            event=webhooks.WebhookEventType(m.event),
            status=m.status,
            attempts=m.attempts,
            response_status=m.response_status,
            created_at=m.created_at,
        )


@strawberry.type(description="Where an app hears about events: a signed POST per event (Standard Webhooks).")
class Webhook(Node):
    name: str = strawberry.field(description="Display name.")
    target_url: str = strawberry.field(description="Where events are POSTed.")
    events: list[WebhookEventType] = strawberry.field(description="What it hears about.")
    query: str | None = strawberry.field(
        description="The subscription document whose result is each delivery's `data` (docs/apps.md); null: "
        "the default payload."
    )
    is_active: bool = strawberry.field(description="Whether events are delivered; a 410 Gone answer turns it off.")

    @strawberry.field(description="Its deliveries, newest first.")
    async def deliveries(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[WebhookDelivery]:
        loaders = info.context.loaders
        return await child_connection(
            self.pk,
            first,
            after,
            last,
            before,
            wq.DELIVERY_ORDERING,
            loaders.webhook_deliveries,
            loaders.delivery_count_by_webhook,
            WebhookDelivery.from_model,
        )

    @classmethod
    def from_model(cls, m: WebhookModel) -> Webhook:
        known = webhooks.WebhookEventType.__members__
        events = [webhooks.WebhookEventType(e) for e in m.events if e in known]
        return cls(pk=m.id, name=m.name, target_url=m.target_url, events=events, query=m.query, is_active=m.is_active)


def managed_by(info: Info, requested_app_id: int | None = None) -> int | None:
    """The app whose webhooks the caller manages (None: an admin, every app's); others are refused,
    and so is an app naming another app."""
    return webhooks.owner(info.context.principal, requested_app_id)


def visible(info: Info, app_id: int) -> bool:
    try:
        return managed_by(info) in (None, app_id)
    except AccessDenied:
        return False


async def _fetch_webhooks(info: Info, ids: list[int]) -> list[Webhook | None]:
    rows = await info.context.loaders.webhook_by_id.load_many(ids)
    return [Webhook.from_model(r) if r and visible(info, r.app_id) else None for r in rows]


async def _fetch_deliveries(info: Info, ids: list[int]) -> list[Any]:
    rows = await info.context.loaders.delivery_by_id.load_many(ids)
    hooks = await info.context.loaders.webhook_by_id.load_many([r.webhook_id if r else 0 for r in rows])
    return [
        WebhookDelivery.from_model(r) if r and h and visible(info, h.app_id) else None
        for r, h in zip(rows, hooks, strict=True)
    ]


register_node("Webhook", _fetch_webhooks)
register_node("WebhookDelivery", _fetch_deliveries)
