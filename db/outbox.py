"""Writing to and draining the outbox (`db.models.OutboxEvent`).

Writers call `record` inside their transaction. The relay claims unpublished rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers drain one outbox without publishing a
row twice at once; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxEvent, WebhookSubscriptions
from db.sql import core_rows, dialect_name

_EVENTS = cast(sa.Table, OutboxEvent.__table__)  # Core inserts: no ORM bulk machinery per event
WRITTEN = "outbox_written"
ORDER = "order"
STOCK = "stock"
FULFILMENT = "fulfilment"


def order_topic(order_id: int) -> str:
    return f"{ORDER}:{order_id}"


def stock_topic(variant_id: int) -> str:
    return f"{STOCK}:{variant_id}"


def fulfilment_topic(location_id: int) -> str:
    """A location's fulfilments (message: the fulfilment's id): its queue screen listens here."""
    return f"{FULFILMENT}:{location_id}"


async def record(session: AsyncSession, events: Iterable[tuple[str, str]], now: datetime) -> None:
    """Add (topic, message) events to the outbox, in the caller's transaction (duplicates once)."""
    rows = [{"topic": t, "message": m, "created_at": now} for t, m in dict.fromkeys(events)]
    if rows:
        await session.execute(sa.insert(_EVENTS), rows)
        session.info[WRITTEN] = True  # the request tells its worker's relay to publish right after commit


async def pending(session: AsyncSession) -> bool:
    return bool(await session.scalar(sa.select(sa.exists().where(OutboxEvent.published_at.is_(None)))))


async def unpublished(session: AsyncSession) -> int:
    """How many events wait to be published (the metrics' backlog)."""
    count = await session.scalar(sa.select(sa.func.count()).where(OutboxEvent.published_at.is_(None)))
    return int(count or 0)


class Taken(NamedTuple):
    events: list[tuple[int, str, str]]  # (id, topic, message), oldest first
    subscriptions: str | None  # `webhook_subscriptions.version` as the batch was taken (None: no row)


@functools.cache
def _take_statement(dialect: str) -> sa.Update:
    """Parameters `limit` and `now`. Built once: the relay takes a batch after every commit. Each row
    carries the webhook subscribers' version too, read in the same statement: the relay's copy of the
    subscribers is good for the batch when it was read under that version (db/webhook_deliveries.py)."""
    subscriptions = sa.select(WebhookSubscriptions.version).where(WebhookSubscriptions.id == 1).scalar_subquery()
    oldest = (
        sa.select(_EVENTS.c.id)
        .where(_EVENTS.c.published_at.is_(None))
        .order_by(_EVENTS.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    return (
        sa.update(_EVENTS)
        .where(_EVENTS.c.id.in_(oldest.scalar_subquery()))
        .values(published_at=sa.bindparam("now"))
        .returning(_EVENTS.c.id, _EVENTS.c.topic, _EVENTS.c.message, subscriptions)
    )


async def take(session: AsyncSession, limit: int, now: datetime) -> Taken:
    """The oldest unpublished events, oldest first, marked published as of `now` in one statement; other
    relays skip the rows until the transaction ends, and a rollback (the publishing failed) leaves them
    for the next try."""
    taken = await core_rows(session, _take_statement(dialect_name(session)), {"limit": limit, "now": now})
    return Taken(sorted((i, t, m) for i, t, m, _ in taken), taken[0][3] if taken else None)


async def purge(session: AsyncSession, before: datetime) -> int:
    """Forget published events older than `before`; how many."""
    result = await session.execute(
        sa.delete(OutboxEvent).where(OutboxEvent.published_at.is_not(None), OutboxEvent.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
