"""Webhook deliveries' retention: finished deliveries past it go with their attempts, in batches; pending
ones stay however old; two workers purging at once take different rows (PostgreSQL); the purge reads
through its index; `serve` runs it in the background."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.jobs import DeliveryPurge
from api.settings import Settings
from db import webhook_deliveries as store
from db.models import WebhookAttempt, WebhookDelivery
from domain.apps.webhooks import WebhookDeliveryStatus
from tests.db.test_webhook_claims import hooks

NOW = datetime.now(UTC)
RETENTION = timedelta(days=30)
OLD, RECENT = NOW - RETENTION - timedelta(hours=1), NOW - RETENTION + timedelta(hours=1)
SUCCEEDED, FAILED, PENDING = (
    WebhookDeliveryStatus.SUCCEEDED,
    WebhookDeliveryStatus.FAILED,
    WebhookDeliveryStatus.PENDING,
)


async def deliveries(engine: AsyncEngine, *rows: tuple[WebhookDeliveryStatus, datetime]) -> list[int]:
    """Deliveries of a new webhook (of a new app: once per test) with the given status and creation time,
    each with one attempt."""
    (webhook,) = await hooks(engine, 0)
    async with AsyncSession(engine) as session:
        ids = []
        for status, created in rows:
            values = dict(webhook_id=webhook, event="STOCK_CHANGED", body="{}", status=status, attempts=1)
            ids.append(
                await session.scalar(
                    sa.insert(WebhookDelivery)
                    .values(**values, next_attempt_at=created, created_at=created)
                    .returning(WebhookDelivery.id)
                )
            )
        await session.execute(
            sa.insert(WebhookAttempt),
            [{"delivery_id": i, "attempted_at": NOW, "duration_ms": 5, "response_status": 500} for i in ids],
        )
        await session.commit()
    return ids


async def left(engine: AsyncEngine) -> tuple[set[int], set[int]]:
    """The deliveries still stored, and the deliveries whose attempts are."""
    async with engine.connect() as conn:
        kept = set(await conn.scalars(sa.select(WebhookDelivery.id)))
        attempted = set(await conn.scalars(sa.select(WebhookAttempt.delivery_id)))
    return kept, attempted


async def test_finished_deliveries_past_the_retention_go_with_their_attempts_in_batches(engine: AsyncEngine) -> None:
    ids = await deliveries(engine, *[(SUCCEEDED, OLD)] * 3, *[(FAILED, OLD)] * 2, (PENDING, OLD), (SUCCEEDED, RECENT))
    old_done, kept = ids[:5], ids[5:]
    purge = DeliveryPurge(engine, RETENTION, lambda: NOW)
    purge.batch = 2
    batches: list[int] = []
    real = store.purge

    async def counted(session: AsyncSession, before: datetime, limit: int) -> int:
        batches.append(await real(session, before, limit))
        return batches[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "purge", counted)
        assert await purge.purge() == len(old_done)
    assert batches == [2, 2, 1]
    assert await left(engine) == (set(kept), set(kept))
    assert await purge.purge() == 0


async def test_two_workers_purging_at_once_take_different_deliveries(pg: AsyncEngine) -> None:
    ids = await deliveries(pg, *[(SUCCEEDED, OLD)] * 4)
    async with AsyncSession(pg) as first, AsyncSession(pg) as second:
        assert await store.purge(first, NOW - RETENTION, 3) == 3  # holds its rows until it commits
        assert await asyncio.wait_for(store.purge(second, NOW - RETENTION, 3), 5) == 1  # skips them, no wait
        await first.commit()
        await second.commit()
    assert not (await left(pg))[0] & set(ids)


async def test_the_purge_reads_finished_deliveries_through_their_index(pg: AsyncEngine) -> None:
    await deliveries(pg, (SUCCEEDED, OLD), (PENDING, OLD))
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            seen.append((statement, parameters))

    sa.event.listen(pg.sync_engine, "before_cursor_execute", capture)
    try:
        await DeliveryPurge(pg, RETENTION, lambda: NOW).purge()
    finally:
        sa.event.remove(pg.sync_engine, "before_cursor_execute", capture)
    ((statement, parameters),) = seen
    async with pg.connect() as conn:
        await conn.exec_driver_sql("SET enable_seqscan = off")
        explained = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).scalar()
        await conn.rollback()
    plan = json.dumps(json.loads(explained) if isinstance(explained, str) else explained)
    assert "ix_webhook_deliveries_finished" in plan, plan


async def test_serve_purges_in_the_background_unless_the_retention_is_zero(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DeliveryPurge, "first", 0.0)
    (old,) = await deliveries(engine, (SUCCEEDED, OLD))
    for days in (0, 30):
        app = create_app(
            settings.model_copy(update={"webhook_delivery_retention_days": days}), engine=engine, clock=lambda: NOW
        )
        async with app.router.lifespan_context(app):
            for _ in range(20 if days == 0 else 500):
                await asyncio.sleep(0.01)
                if old not in (await left(engine))[0]:
                    break
        assert (old in (await left(engine))[0]) == (days == 0), days
