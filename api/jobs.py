"""Periodic jobs: expire unpaid orders, write off expired points, forget old webhook deliveries, fold
the published-product counts.

Each finds its candidates with one query, then handles each one in its own short
transaction, so a failure loses only that item and several workers can run a job at the
same time (an order is locked while it is cancelled; a member's balance row while their
points expire). The webhook deliveries' purge works in batches, each its own
transaction, so it never holds a long lock nor one worker's requests for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from api.events import BACKGROUND
from api.outages import Outage
from db import published_counts, webhook_deliveries
from db.engine import create_session_factory, write_options
from db.member_queries import members_with_expired_points
from db.uow import SqlUnitOfWork
from domain.clock import Clock, system_clock
from domain.members.points_services import PointsPolicy
from domain.members.points_services import expire_points as expire_member_points
from domain.orders.services import expire_order

log = logging.getLogger("omnishop.jobs")
ORDER_BATCH = 500


async def expire_all_points(engine: AsyncEngine, clock: Clock = system_clock) -> tuple[int, int]:
    """(points, members) written off."""
    moment = clock()
    sessions = create_session_factory(engine)
    async with sessions() as session:
        candidates = await members_with_expired_points(session, moment)
    points = members = 0
    for member_id in candidates:
        async with sessions() as session:
            uow = SqlUnitOfWork(session, clock)
            async with uow.transaction():
                expired = await expire_member_points(uow, member_id, moment)
        points += expired
        members += expired > 0
    return points, members


async def expire_unpaid_orders(engine: AsyncEngine, policy: PointsPolicy, clock: Clock = system_clock) -> int:
    """Cancel unpaid orders whose time ran out, releasing their stock and points; returns how many."""
    moment = clock()
    sessions = create_session_factory(engine)
    async with sessions() as session:
        due = await SqlUnitOfWork(session, clock).orders.expired(moment, ORDER_BATCH)
    expired = 0
    for token in due:
        async with sessions() as session:
            uow = SqlUnitOfWork(session, clock)
            async with uow.transaction():
                expired += await expire_order(uow, token, policy=policy, now=moment)
    return expired


async def run_order_expiry(
    engine: AsyncEngine, policy: PointsPolicy, interval: float, clock: Clock = system_clock
) -> None:
    """The background loop `serve` runs in every worker; it survives an outage of the database,
    logging it once and backing off (api/outages.py)."""
    outage = Outage(log, "order expiry")
    while True:
        await asyncio.sleep(outage.delay(interval))
        try:
            count = await expire_unpaid_orders(engine, policy, clock)
            outage.recovered()
            if count:
                log.info("expired %d unpaid orders", count)
        except Exception as e:
            outage.failed(e)


class DeliveryPurge:
    """Forgets finished webhook deliveries older than `retention`, with their attempts: the background
    loop `serve` runs in every worker (`first` seconds after it starts, then every `interval`), and
    `omnishop webhooks-purge`. Pending deliveries stay, however old."""

    first = 60.0  # seconds after a worker starts: a server restarted more often than hourly purges too
    interval = 3600.0
    batch = 1000  # deliveries per transaction

    def __init__(self, engine: AsyncEngine, retention: timedelta, clock: Clock = system_clock) -> None:
        self.sessions = create_session_factory(engine)
        self.retention = retention
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Return from `run` after the batch in hand (never cancel it mid-transaction)."""
        self._stopping = True
        self._wake.set()

    async def purge(self) -> int:
        """Every finished delivery past the retention, batch by batch; how many."""
        before = self.clock() - self.retention
        purged = 0
        while not self._stopping:
            async with self.sessions() as session:
                await session.connection(execution_options={**write_options(session), BACKGROUND: True})
                done = await webhook_deliveries.purge(session, before, self.batch)
                await session.commit()
            purged += done
            if done < self.batch:
                break
            await asyncio.sleep(0)  # the worker's requests go on between batches
        return purged

    async def run(self) -> None:
        outage = Outage(log, "webhook delivery purge")
        delay = self.first
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), outage.delay(delay))
            if self._stopping:
                return
            delay = self.interval
            try:
                purged = await self.purge()
                outage.recovered()
                if purged:
                    log.info("purged %d webhook deliveries older than %s", purged, self.retention)
            except Exception as e:
                outage.failed(e)


FOLD_FIRST, FOLD_INTERVAL = 10.0, 60.0  # seconds after a worker starts, then between passes


async def fold_published_counts(engine: AsyncEngine) -> int:
    """One pass of db/published_counts.py `fold`, in its own transaction; the rows it folded away."""
    async with create_session_factory(engine)() as session:
        await session.connection(execution_options={**write_options(session), BACKGROUND: True})
        folded = await published_counts.fold(session)
        await session.commit()
    return folded


async def run_count_folding(engine: AsyncEngine, first: float = FOLD_FIRST, interval: float = FOLD_INTERVAL) -> None:
    """The background loop `serve` runs in every worker. The counts are right unfolded; folding keeps
    them a row per channel, however many publications came since (a catalogue import adds thousands).
    Two workers folding at once fold each row once (the DELETE that takes it)."""
    outage = Outage(log, "published count folding")
    delay = first
    while True:
        await asyncio.sleep(outage.delay(delay))
        delay = interval
        try:
            await fold_published_counts(engine)
            outage.recovered()
        except Exception as e:
            outage.failed(e)
