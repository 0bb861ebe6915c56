"""The outbox relay keeps the webhook subscribers it read and reads them again only when a write may
have changed them (migration 0027's triggers change `webhook_subscriptions.version`, read with each
batch): a drain of committed events is then one statement on PostgreSQL, and every kind of change
(a webhook added, its events changed, deactivated, reactivated, deleted; its app's scopes changed,
revoked, deleted) reaches the very next drain, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.events import LocalBus, OutboxRelay
from db import webhook_events
from db.engine import create_session_factory
from db.models import App, Webhook, WebhookDelivery
from domain.apps.webhooks import WebhookEventType

UPDATED = WebhookEventType.PRODUCT_UPDATED.value  # its default payload reads nothing


async def _write(engine: AsyncEngine, statement: sa.Executable) -> int | None:
    async with engine.begin() as conn:
        result = await conn.execute(statement)
        return result.scalar() if statement.is_insert else None  # type: ignore[attr-defined]


async def _app(engine: AsyncEngine, name: str) -> int:
    now = datetime.now(UTC)
    stmt = sa.insert(App).values(name=name, token_hash=name * 8, token_hint=name, scopes=[], created_at=now)
    return int(await _write(engine, stmt.returning(App.id)) or 0)


async def _webhook(engine: AsyncEngine, app_id: int, events: list[str]) -> int:
    stmt = sa.insert(Webhook).values(
        app_id=app_id,
        name="hook",
        target_url="https://example.com/hook",
        events=events,
        secret="s" * 32,
        is_active=True,
        created_at=datetime.now(UTC),
    )
    return int(await _write(engine, stmt.returning(Webhook.id)) or 0)


async def _delivered(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(WebhookDelivery.webhook_id, sa.func.count()).group_by(WebhookDelivery.webhook_id)
        )
        return {int(w): int(n) for w, n in rows}


async def test_the_relay_reads_subscribers_again_only_after_a_change_and_sees_every_change(
    engine: AsyncEngine,
) -> None:
    relay = OutboxRelay(create_session_factory(engine), LocalBus(), interval=60)
    one = await _app(engine, "one")
    first = await _webhook(engine, one, [UPDATED])
    product = 0
    statements: list[str] = []  # the relay's, in its last drain (transaction control left out)

    def watch(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    async def drain() -> dict[int, int]:
        """Announce a product updated, drain it; the deliveries the drain made, per webhook."""
        nonlocal product
        product += 1
        async with AsyncSession(engine) as session:
            await webhook_events.announce(session, WebhookEventType.PRODUCT_UPDATED, product, datetime.now(UTC))
            await session.commit()
        before = await _delivered(engine)
        statements.clear()
        sa.event.listen(engine.sync_engine, "before_cursor_execute", watch)
        try:
            assert await relay.drain_once() == 1
        finally:
            sa.event.remove(engine.sync_engine, "before_cursor_execute", watch)
        after = await _delivered(engine)
        return {w: n - before.get(w, 0) for w, n in after.items() if n != before.get(w, 0)}

    assert await drain() == {first: 1}
    reads = relay.subscribers.reads
    assert await drain() == {first: 1}
    assert await drain() == {first: 1}
    assert relay.subscribers.reads == reads  # nothing changed: not read again
    # the batch with its subscribers' version, and the delivery (SQLite looks before it takes the batch)
    assert len(statements) == (2 if engine.dialect.name == "postgresql" else 3), statements

    two = await _app(engine, "two")
    second = await _webhook(engine, two, [UPDATED])
    hook = sa.update(Webhook).where(Webhook.id == second)
    changes: list[tuple[Callable[[], Awaitable[object]], dict[int, int]]] = [
        (_noop, {first: 1, second: 1}),  # the webhook just added
        (lambda: _write(engine, hook.values(events=["STOCK_CHANGED"])), {first: 1}),
        (lambda: _write(engine, hook.values(events=[UPDATED])), {first: 1, second: 1}),
        (lambda: _write(engine, hook.values(is_active=False)), {first: 1}),
        (lambda: _write(engine, hook.values(is_active=True)), {first: 1, second: 1}),
        (lambda: _write(engine, sa.update(App).where(App.id == two).values(revoked_at=datetime.now(UTC))), {first: 1}),
        (lambda: _write(engine, sa.update(App).where(App.id == two).values(revoked_at=None)), {first: 1, second: 1}),
        (
            lambda: _write(engine, sa.update(App).where(App.id == two).values(scopes=["orders:read"])),
            {first: 1, second: 1},
        ),
        (lambda: _write(engine, sa.delete(Webhook).where(Webhook.id == first)), {second: 1}),
        (lambda: _write(engine, sa.delete(App).where(App.id == two)), {}),
    ]
    for change, expected in changes:
        await change()
        assert await drain() == expected, change
        if expected.get(second):  # the app's scopes as they are now (its payload queries run with them)
            scopes = {s.webhook_id: s.scopes for s in relay.subscribers.subscribers}[second]
            assert {s.value for s in scopes} == set(await _scopes(engine, two))


async def _scopes(engine: AsyncEngine, app_id: int) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalar(sa.select(App.scopes).where(App.id == app_id)) or [])


async def _noop() -> None:
    return None
