"""The delivery worker's storage: deliveries created from the outbox's webhook events, claimed,
and each attempt's result recorded.

A claim leases deliveries: it moves their `next_attempt_at` past the attempt's longest possible
duration, in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never
claim one delivery; SQLite has one writer at a time). The HTTP request runs outside any
transaction; a worker that dies mid-attempt leaves the lease to run out, and another worker tries
again: delivery is at least once. Finished deliveries are forgotten after the retention (`purge`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import App, Webhook, WebhookAttempt, WebhookDelivery
from db.models.webhooks import FINISHED
from domain.access.model import AppScope
from domain.apps.webhooks import WebhookDeliveryStatus, WebhookEventType


@dataclass(frozen=True, slots=True)
class Subscriber:
    webhook_id: int
    events: frozenset[WebhookEventType]
    app_id: int = 0
    scopes: frozenset[AppScope] = frozenset()  # the app's: its payload query runs with them
    query: str | None = None  # the payload query (None: the default payload)


@dataclass(frozen=True, slots=True)
class Claimed:
    """One delivery to attempt, with what its attempt needs."""

    id: int
    webhook_id: int
    body: str
    attempts: int  # made before this one
    target_url: str
    secrets: tuple[str, ...]  # the current secret, and the previous one during a rotation


@dataclass(frozen=True, slots=True)
class Result:
    """What an attempt came to, as stored."""

    attempted_at: datetime
    duration_ms: int
    response_status: int | None
    response_body: str | None
    error: str | None
    status: WebhookDeliveryStatus
    next_attempt_at: datetime | None  # PENDING: when to try again


class SubscriberCache:
    """The subscribers as last read, and the `webhook_subscriptions` version they were read under
    (`db.outbox.take` reads it with each batch). Triggers change the version in the transaction of any
    write that could change what `subscribers` reads (migration 0027), so the copy is good for a batch
    taken under the same version: the relay reads them once per change rather than once per drain.
    The version is read before the subscribers, so a change in between makes the copy newer than its
    version (read again next time), never older; with no version (its row gone) they are read each time."""

    def __init__(self) -> None:
        self.version: str | None = None
        self.subscribers: list[Subscriber] = []
        self.reads = 0  # how many times they were read (tests)

    async def read(self, session: AsyncSession, version: str | None) -> list[Subscriber]:
        if version is None or version != self.version:
            self.subscribers = await subscribers(session)
            self.version = version
            self.reads += 1
        return self.subscribers


async def subscribers(session: AsyncSession) -> list[Subscriber]:
    """The active webhooks of apps that are not revoked."""
    rows = await session.execute(
        sa.select(Webhook.id, Webhook.events, App.id, App.scopes, Webhook.query)
        .join(App, App.id == Webhook.app_id)
        .where(Webhook.is_active.is_(True), App.revoked_at.is_(None))
    )
    known, scopes = WebhookEventType.__members__, AppScope._value2member_map_
    return [
        Subscriber(
            i,
            frozenset(WebhookEventType(e) for e in events if e in known),
            app_id,
            frozenset(AppScope(s) for s in app_scopes if s in scopes),
            query,
        )
        for i, events, app_id, app_scopes, query in rows
    ]


async def add(session: AsyncSession, deliveries: Sequence[tuple[int, WebhookEventType, str]], now: datetime) -> None:
    """New deliveries (webhook, event, body), due at once."""
    if deliveries:
        await session.execute(
            sa.insert(WebhookDelivery),
            [
                {
                    "webhook_id": w,
                    "event": e.value,
                    "body": body,
                    "status": WebhookDeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for w, e, body in deliveries
            ],
        )


def _due(now: datetime, skip_webhooks: Collection[int]) -> sa.Select[int]:
    return (
        sa.select(WebhookDelivery.id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            Webhook.is_active.is_(True),
            *([WebhookDelivery.webhook_id.not_in(skip_webhooks)] if skip_webhooks else []),
        )
    )


async def any_due(session: AsyncSession, now: datetime, skip_webhooks: Collection[int]) -> bool:
    """Whether `claim` would find something: a read, so an idle worker never takes SQLite's write lock."""
    return await session.scalar(_due(now, skip_webhooks).limit(1)) is not None


async def claim(
    session: AsyncSession,
    now: datetime,
    lease_until: datetime,
    limit: int,
    skip_webhooks: Collection[int],
    room: Callable[[int], int],
) -> list[Claimed]:
    """Lease up to `limit` due deliveries of active webhooks, soonest due first, leaving out
    `skip_webhooks` (endpoints at their concurrency limit or with an open circuit) and taking at
    most `room(webhook)` of each webhook's (what its concurrency limit leaves)."""
    stmt = (
        _due(now, skip_webhooks)
        .add_columns(WebhookDelivery.webhook_id)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=WebhookDelivery, skip_locked=True)
    taken: Counter[int] = Counter()
    ids = []
    for delivery_id, webhook_id in await session.execute(stmt):
        if taken[webhook_id] < room(webhook_id):  # the rest stay due, unleased, for the next claim
            taken[webhook_id] += 1
            ids.append(delivery_id)
    if not ids:
        return []
    await session.execute(
        sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(next_attempt_at=lease_until)
    )
    rows = await session.execute(
        sa.select(
            WebhookDelivery.id,
            WebhookDelivery.webhook_id,
            WebhookDelivery.body,
            WebhookDelivery.attempts,
            Webhook.target_url,
            Webhook.secret,
            Webhook.previous_secret,
            Webhook.previous_secret_until,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
    )
    return [
        Claimed(i, w, body, attempts, url, (secret, previous) if previous and until and until > now else (secret,))
        for i, w, body, attempts, url, secret, previous, until in rows
    ]


async def record(session: AsyncSession, delivery_id: int, result: Result, *, disable_webhook: bool) -> None:
    """Store an attempt and where it leaves its delivery (and, on 410 Gone, disable the webhook)."""
    await session.execute(
        sa.insert(WebhookAttempt).values(
            delivery_id=delivery_id,
            attempted_at=result.attempted_at,
            duration_ms=result.duration_ms,
            response_status=result.response_status,
            response_body=result.response_body,
            error=result.error,
        )
    )
    await session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            attempts=WebhookDelivery.attempts + 1,
            status=result.status,
            response_status=result.response_status,
            next_attempt_at=result.next_attempt_at or result.attempted_at,
        )
    )
    if disable_webhook:
        webhook_id = sa.select(WebhookDelivery.webhook_id).where(WebhookDelivery.id == delivery_id).scalar_subquery()
        await session.execute(sa.update(Webhook).where(Webhook.id == webhook_id).values(is_active=False))


async def purge(session: AsyncSession, before: datetime, limit: int) -> int:
    """Forget up to `limit` finished deliveries (succeeded or failed) created before `before`, with their
    attempts (the foreign key cascades); how many. A pending one stays, however old. On PostgreSQL
    rows another purge holds are skipped, so workers purging at once take different rows."""
    old = (
        sa.select(WebhookDelivery.id)
        .where(sa.text(FINISHED), WebhookDelivery.created_at < before)  # the partial index's own predicate
        .order_by(WebhookDelivery.created_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        old = old.with_for_update(skip_locked=True)
    result = await session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.id.in_(old.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)
