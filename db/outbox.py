"""Writing to and draining the outbox (`db.models.OutboxEvent`).

Writers call `record` inside their transaction. The relay claims unpublished rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers drain one outbox without publishing a
row twice at once; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxEvent

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
        await session.execute(sa.insert(OutboxEvent), rows)
        session.info[WRITTEN] = True  # the request tells its worker's relay to publish right after commit


async def pending(session: AsyncSession) -> bool:
    return bool(await session.scalar(sa.select(sa.exists().where(OutboxEvent.published_at.is_(None)))))


async def unpublished(session: AsyncSession) -> int:
    """How many events wait to be published (the metrics' backlog)."""
    count = await session.scalar(sa.select(sa.func.count()).where(OutboxEvent.published_at.is_(None)))
    return int(count or 0)


async def claim(session: AsyncSession, limit: int) -> list[tuple[int, str, str]]:
    """The oldest unpublished events, locked against other relays until the transaction ends."""
    stmt = (
        sa.select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.message)
        .where(OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [(i, t, m) for i, t, m in await session.execute(stmt)]


async def mark_published(session: AsyncSession, ids: list[int], now: datetime) -> None:
    await session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=now))


async def purge(session: AsyncSession, before: datetime) -> int:
    """Forget published events older than `before`; how many."""
    result = await session.execute(
        sa.delete(OutboxEvent).where(OutboxEvent.published_at.is_not(None), OutboxEvent.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
