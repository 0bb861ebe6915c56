"""Delivery claims: two workers claiming at once take disjoint deliveries (SKIP LOCKED), a claim
leases what it takes, and an endpoint's concurrency limit caps what one claim takes of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db import webhook_deliveries as store
from db.models import App, Webhook
from domain.apps.webhooks import WebhookEventType

NOW = datetime.now(UTC)
LEASE = NOW + timedelta(minutes=1)


async def hooks(engine: AsyncEngine, deliveries: int, webhooks: int = 1) -> list[int]:
    async with AsyncSession(engine) as session:
        app_id = (
            await session.execute(
                sa.insert(App)
                .values(name="ERP", token_hash="h" * 64, token_hint="app_x", scopes=[], created_at=NOW)
                .returning(App.id)
            )
        ).scalar_one()
        ids = []
        for i in range(webhooks):
            values = dict(app_id=app_id, name=f"w{i}", target_url="https://example.com", events=["STOCK_CHANGED"])
            result = await session.execute(
                sa.insert(Webhook)
                .values(**values, secret="whsec_QUJD", is_active=True, created_at=NOW)
                .returning(Webhook.id)
            )
            ids.append(result.scalar_one())
        rows = [(w, WebhookEventType.STOCK_CHANGED, "{}") for w in ids for _ in range(deliveries)]
        await store.add(session, rows, NOW)
        await session.commit()
    return ids


async def test_two_workers_claiming_at_once_take_disjoint_deliveries(pg: AsyncEngine) -> None:
    await hooks(pg, 10)
    async with AsyncSession(pg) as first, AsyncSession(pg) as second:
        a = await store.claim(first, NOW, LEASE, 6, (), lambda w: 100)  # holds its rows until it commits
        b = await store.claim(second, NOW, LEASE, 6, (), lambda w: 100)
        await first.commit()
        await second.commit()
    assert len(a) == 6 and len(b) == 4 and not {c.id for c in a} & {c.id for c in b}
    async with AsyncSession(pg) as third:
        assert await store.claim(third, NOW, LEASE, 10, (), lambda w: 100) == []  # leased
        assert len(await store.claim(third, LEASE, LEASE + timedelta(minutes=1), 10, (), lambda w: 100)) == 10


async def test_a_claim_takes_no_more_of_an_endpoint_than_its_room_and_skips_open_circuits(engine: AsyncEngine) -> None:
    busy, other, broken = await hooks(engine, 5, webhooks=3)
    async with AsyncSession(engine) as session:
        claimed = await store.claim(session, NOW, LEASE, 20, {broken}, lambda w: 2 if w == busy else 100)
        await session.commit()
    taken = [c.webhook_id for c in claimed]
    assert taken.count(busy) == 2 and taken.count(other) == 5 and broken not in taken
    async with AsyncSession(engine) as session:
        assert await store.any_due(session, NOW, {broken})  # busy's other three wait, unleased
        assert len(await store.claim(session, NOW, LEASE, 20, {broken}, lambda w: 100)) == 3
