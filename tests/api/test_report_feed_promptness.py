"""A paid order reaches the figures promptly under load: a nudged pass on PostgreSQL is four statements
(no look first, one write for every rollup and the watermark), a worker whose turn was taken by another
looks again at once rather than after its interval, a gap filled by an event that counts nothing makes no
pass due, and the feed's own thread (`serve` on PostgreSQL) counts what a commit nudges it for and stops
when told."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.report_feed_thread import ReportFeedThread
from api.report_feeder import ReportFeeder
from db import report_feed
from db.engine import create_session_factory
from db.models import Order, OrderEvent, ReportWatermark
from domain.clock import system_clock
from domain.orders.records import OrderEventType
from tests.api.test_report_feed import orders_counted, paid_again
from tests.helpers import GraphQLClient
from tests.report_fixtures import ZONE, Trading, fixture_settings, open_trading, trade  # noqa: F401 (pytest fixtures)

LONG = 60.0  # a feeder's interval no test waits for: what it counts, it counts because it was woken


@pytest.fixture
async def trading(client: GraphQLClient, demo: AsyncEngine) -> Trading:
    t = await open_trading(client, demo)
    await trade(t, orders=2)
    return t


async def first_order(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.min(Order.id))) or 0)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.mark.usefixtures("trading")
async def test_a_nudged_pass_on_postgresql_is_four_statements(pg: AsyncEngine) -> None:
    feeder = ReportFeeder(create_session_factory(pg, autocommit_reads=True), ZONE, interval=LONG)
    await feeder.catch_up()
    before = await orders_counted(pg)
    async with pg.begin() as conn:
        await conn.execute(paid_again(await first_order(pg)))
    statements: list[str] = []
    me = asyncio.current_task()

    def watch(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if asyncio.current_task() is me:  # not a background loop's statement on the same engine
            statements.append(statement)

    sa.event.listen(pg.sync_engine, "before_cursor_execute", watch)
    try:
        feeder.nudge()
        assert await feeder.feed_once() == 1
    finally:
        sa.event.remove(pg.sync_engine, "before_cursor_execute", watch)
    assert await orders_counted(pg) == before + 1
    assert len(statements) == 4, statements  # lock, events, their orders' lines, the writes


@pytest.mark.usefixtures("trading")
async def test_a_worker_whose_turn_was_taken_looks_again_at_once(pg: AsyncEngine) -> None:
    feeder = ReportFeeder(create_session_factory(pg, autocommit_reads=True), ZONE, interval=LONG)
    await feeder.catch_up()
    before = await orders_counted(pg)
    running = asyncio.create_task(feeder.run())
    try:
        async with pg.connect() as other:  # another worker's pass holds the watermark
            await other.begin()
            await other.execute(sa.select(ReportWatermark.name).with_for_update())
            async with pg.begin() as conn:
                await conn.execute(paid_again(await first_order(pg)))
            feeder.nudge()  # this worker's pass finds the watermark taken
            await asyncio.sleep(0.3)
            assert await orders_counted(pg) == before
            await other.rollback()  # that pass ends without having seen the sale
        assert await eventually(lambda: _counted(pg, before + 1))
    finally:
        feeder.stop()
        await asyncio.wait_for(running, 10)


@pytest.mark.usefixtures("trading")
async def test_a_filled_gap_that_counts_nothing_makes_no_pass_due(pg: AsyncEngine) -> None:
    feeder = ReportFeeder(create_session_factory(pg), ZONE, interval=LONG)
    await feeder.catch_up()
    order_id = await first_order(pg)
    shipped = sa.insert(OrderEvent).values(
        order_id=order_id, type=OrderEventType.SHIPPED, data={}, created_at=datetime.now(UTC)
    )
    async with pg.connect() as slow:
        await slow.begin()
        await slow.execute(shipped)  # takes the lower id, commits last
        async with pg.begin() as fast:
            await fast.execute(paid_again(order_id))
        await feeder.catch_up()
        await slow.commit()
    async with create_session_factory(pg)() as session:
        gaps = await session.scalar(sa.select(ReportWatermark.gaps))
        assert len(gaps) == 1  # the shipment's id, waited for
        assert not await report_feed.due(session, datetime.now(UTC))


@pytest.mark.usefixtures("trading")
async def test_the_feed_thread_counts_what_it_is_nudged_for_and_stops(pg: AsyncEngine) -> None:
    async with create_session_factory(pg)() as session:  # the watermark is up to date
        await report_feed.feed(session, ZONE, datetime.now(UTC))
        await session.commit()
    before = await orders_counted(pg)
    thread = ReportFeedThread(pg.url.render_as_string(hide_password=False), ZONE, LONG, system_clock)
    running = asyncio.create_task(thread.run())
    try:
        assert await eventually(lambda: _true(thread._feeder is not None))
        await asyncio.sleep(0.3)  # its first (timed) pass is over: what it counts next, a nudge asked for
        async with pg.begin() as conn:
            await conn.execute(paid_again(await first_order(pg)))
        thread.nudge()
        assert await eventually(lambda: _counted(pg, before + 1))
    finally:
        thread.stop()
        await asyncio.wait_for(running, 10)
    assert thread._feeder is None


async def _counted(engine: AsyncEngine, orders: int) -> bool:
    return await orders_counted(engine) == orders


async def _true(value: bool) -> bool:
    return value
