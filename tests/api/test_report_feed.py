"""The report feed counts each order event exactly once: a transaction that commits after later ones
were counted is still counted (its id waited as a gap), several workers feeding at once count
nothing twice, an idle feed takes no write lock, and only the events it counts wake it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.report_feeder import ReportFeeder
from db import report_feed
from db.engine import create_session_factory, write_options
from db.models import Order, OrderEvent, ReportOrdersDaily, ReportWatermark
from db.orders import SqlOrdersRepository
from domain.orders.records import OrderEventType
from tests.api.test_report_reconciliation import rollup_rows
from tests.report_fixtures import ZONE, Trading, fixture_settings, fixture_trading_uncounted  # noqa: F401 (pytest fixtures)


async def orders_counted(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(ReportOrdersDaily.orders), 0))) or 0)


def paid_again(order_id: int) -> sa.Insert:
    """Another sale of an order (the feed counts events: each one it sees adds an order)."""
    return sa.insert(OrderEvent).values(
        order_id=order_id, type=OrderEventType.PAID, data={}, created_at=datetime.now(UTC)
    )


@pytest.mark.usefixtures("trading_uncounted")
async def test_an_event_committed_after_later_ones_were_counted_is_counted_once(pg: AsyncEngine) -> None:
    feeder = ReportFeeder(create_session_factory(pg), ZONE, interval=1)
    await feeder.catch_up()
    before = await orders_counted(pg)
    async with pg.connect() as conn:
        order_id = await conn.scalar(sa.select(sa.func.min(Order.id)))
    async with pg.connect() as slow:
        await slow.begin()
        await slow.execute(paid_again(order_id))  # takes the lower id, commits last
        async with pg.begin() as fast:
            await fast.execute(paid_again(order_id))
        await feeder.catch_up()
        assert await orders_counted(pg) == before + 1
        async with pg.connect() as conn:
            gaps = await conn.scalar(sa.select(ReportWatermark.gaps))
        assert len(gaps) == 1
        await slow.commit()
    await feeder.catch_up()
    assert await orders_counted(pg) == before + 2
    assert await feeder.feed_once() == 0
    async with pg.connect() as conn:
        assert await conn.scalar(sa.select(ReportWatermark.gaps)) == []


@pytest.mark.usefixtures("trading_uncounted")
async def test_a_gap_that_never_fills_is_forgotten_after_the_horizon(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        order_id = await conn.scalar(sa.select(sa.func.min(Order.id)))
    async with pg.connect() as doomed:
        await doomed.begin()
        await doomed.execute(paid_again(order_id))
        async with pg.begin() as conn:
            await conn.execute(paid_again(order_id))
        await doomed.rollback()  # its id stays unused
    now = datetime.now(UTC)
    await ReportFeeder(create_session_factory(pg), ZONE, interval=1, clock=lambda: now).catch_up()
    later = now + report_feed.GAP_HORIZON + timedelta(seconds=1)
    feeder = ReportFeeder(create_session_factory(pg), ZONE, interval=1, clock=lambda: later)
    assert await feeder.feed_once() == 0  # a pass to forget it, reading nothing
    async with pg.connect() as conn:
        assert await conn.scalar(sa.select(ReportWatermark.gaps)) == []
    assert await feeder.feed_once() == 0  # and then nothing is due


async def test_workers_feeding_at_once_count_each_event_once(trading_uncounted: Trading, engine: AsyncEngine) -> None:
    feeders = [ReportFeeder(create_session_factory(engine), ZONE, interval=1, batch=3) for _ in range(3)]
    await asyncio.gather(*(f.catch_up() for f in feeders))
    await feeders[0].catch_up()  # whatever a skipped turn left
    together = await rollup_rows(engine)
    async with create_session_factory(engine)() as session:
        await report_feed.rebuild(session, ZONE, datetime.now(UTC))
        await session.commit()
    assert await rollup_rows(engine) == together


async def test_an_idle_feed_takes_no_write_lock(trading_uncounted: Trading, engine: AsyncEngine) -> None:
    feeder = ReportFeeder(create_session_factory(engine), ZONE, interval=1)
    await feeder.catch_up()
    writes: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.strip().upper()
        if not words.startswith("SELECT") and words not in ("BEGIN", "COMMIT", "ROLLBACK"):  # BEGIN IMMEDIATE is
            writes.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", watch)
    try:
        assert await feeder.feed_once() == 0
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", watch)
    assert writes == []


@pytest.mark.usefixtures("trading_uncounted")
async def test_only_a_sale_a_return_or_a_cancellation_wakes_the_feed(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        await session.connection(execution_options=write_options(session))
        orders = SqlOrdersRepository(session)
        order_id = await session.scalar(sa.select(sa.func.min(Order.id)))
        for quiet in (OrderEventType.SHIPPED, OrderEventType.DELIVERED, OrderEventType.COMPLETED):
            await orders.add_event(order_id, quiet, {}, staff_id=None, member_id=None)
        assert report_feed.DUE not in session.info  # what the request's view wakes the feed by
        for counted in (OrderEventType.PAID, OrderEventType.RETURNED, OrderEventType.CANCELLED):
            session.info.pop(report_feed.DUE, None)
            await orders.add_event(order_id, counted, {}, staff_id=None, member_id=None)
            assert session.info[report_feed.DUE] is True
        await session.rollback()
