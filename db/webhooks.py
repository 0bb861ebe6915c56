"""Webhook storage: implements `domain.apps.webhook_services.WebhooksRepository`, and the reads of
`webhooks` and `Webhook.deliveries`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import App, Webhook, WebhookDelivery
from db.pagination import (
    ChildPage,
    Ordering,
    Page,
    PageRequest,
    SortKey,
    child_counts,
    keyset_page,
    newest_child_pages,
    parse_int,
)
from domain.apps.webhooks import ROTATION_OVERLAP, WebhookDeliveryStatus, WebhookEventType
from domain.clock import Clock, system_clock

WEBHOOK_ORDERING = Ordering("webhooks", [SortKey(Webhook.id, descending=True, parse=parse_int)])
DELIVERY_ORDERING = Ordering("webhook-deliveries", [SortKey(WebhookDelivery.id, descending=True, parse=parse_int)])


class SqlWebhooksRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def app_active(self, app_id: int) -> bool:
        return bool(await self.session.scalar(sa.select(sa.exists().where(App.id == app_id, App.revoked_at.is_(None)))))

    async def add_webhook(
        self, app_id: int, name: str, target_url: str, events: list[WebhookEventType], query: str | None, secret: str
    ) -> int:
        result = await self.session.execute(
            sa.insert(Webhook)
            .values(
                app_id=app_id,
                name=name,
                target_url=target_url,
                events=[e.value for e in events],
                query=query,
                secret=secret,
                is_active=True,
                created_at=self.clock(),
            )
            .returning(Webhook.id)
        )
        return int(result.scalar_one())

    async def webhook_app(self, webhook_id: int) -> int | None:
        return await self.session.scalar(sa.select(Webhook.app_id).where(Webhook.id == webhook_id))

    async def webhook_shape(self, webhook_id: int) -> tuple[str | None, list[WebhookEventType]]:
        stmt = sa.select(Webhook.query, Webhook.events).where(Webhook.id == webhook_id)
        row = (await self.session.execute(stmt)).one()
        return row.query, [WebhookEventType(e) for e in row.events if e in WebhookEventType.__members__]

    async def update_webhook(
        self,
        webhook_id: int,
        *,
        target_url: str | None,
        events: list[WebhookEventType] | None,
        query: str | None,
        is_active: bool | None,
        secret: str | None,
    ) -> None:
        values: dict[str, Any] = {}
        if query is not None:
            values["query"] = query or None
        if target_url is not None:
            values["target_url"] = target_url
        if events is not None:
            values["events"] = [e.value for e in events]
        if is_active is not None:
            values["is_active"] = is_active
        if secret is not None:  # the current secret keeps signing alongside the new one for a while
            values.update(
                secret=secret, previous_secret=Webhook.secret, previous_secret_until=self.clock() + ROTATION_OVERLAP
            )
        if values:
            await self.session.execute(sa.update(Webhook).where(Webhook.id == webhook_id).values(**values))

    async def delete_webhook(self, webhook_id: int) -> None:
        await self.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
        await self.session.execute(sa.delete(Webhook).where(Webhook.id == webhook_id))

    async def delivery_app(self, delivery_id: int) -> int | None:
        return await self.session.scalar(
            sa.select(Webhook.app_id)
            .join(WebhookDelivery, WebhookDelivery.webhook_id == Webhook.id)
            .where(WebhookDelivery.id == delivery_id)
        )

    async def retry_delivery(self, delivery_id: int) -> None:
        await self.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(status=WebhookDeliveryStatus.PENDING, next_attempt_at=self.clock())
        )


def webhooks_statement(app_id: int | None) -> sa.Select[Any]:
    """Every webhook (an admin), or one app's."""
    stmt = sa.select(Webhook)
    return stmt.where(Webhook.app_id == app_id) if app_id is not None else stmt


async def webhook_page(session: AsyncSession, app_id: int | None, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(session, webhooks_statement(app_id), WEBHOOK_ORDERING, page, size, lambda r: (r[0].id,))


async def webhooks_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Webhook]:
    return {w.id: w for w in await session.scalars(sa.select(Webhook).where(Webhook.id.in_(ids)))}


async def delivery_pages(session: AsyncSession, keys: Sequence[ChildPage]) -> dict[ChildPage, Page[Any]]:
    """Pages of many webhooks' deliveries, newest first, in one statement."""
    return await newest_child_pages(session, WebhookDelivery, WebhookDelivery.webhook_id, DELIVERY_ORDERING, keys)


async def delivery_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    return await child_counts(session, WebhookDelivery.webhook_id, ids)


async def deliveries_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, WebhookDelivery]:
    rows = await session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return {d.id: d for d in rows}
