"""The report feed's background loop: counts new order events into the report rollups after they
commit (db/report_feed.py), so no checkout waits for the figures.

It runs in every `serve` worker; the watermark's lock makes the workers take turns, each event
counted once. It wakes every `interval` seconds and at once when nudged (a worker committed a sale, a
return or a cancellation: db/report_feed.py `note_event`); it first looks without writing, so an
idle feed never takes SQLite's write lock, and while the database is down it backs off and logs the
outage once (api/outages.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.events import BACKGROUND
from api.outages import Outage
from db import report_feed
from db.engine import write_options
from domain.clock import Clock, system_clock

log = logging.getLogger("omnishop.reports")


class ReportFeeder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        zone: ZoneInfo,
        interval: float,
        clock: Clock = system_clock,
        batch: int = report_feed.BATCH,
    ) -> None:
        self.sessions = sessions
        self.zone = zone
        self.interval = interval
        self.clock = clock
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = False

    def nudge(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the pass in hand and return from `run` (never cancelled mid-transaction)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        outage = Outage(log, "report feed")
        while not self._stopping:
            try:
                await self.catch_up()
                outage.recovered()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the database is down: try again later
                outage.failed(e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), outage.delay(self.interval))
            self._wake.clear()

    async def catch_up(self) -> int:
        """Count every event committed so far; how many were read."""
        total = 0
        while (read := await self.feed_once()) == self.batch:
            total += read
            if self._stopping:
                break
        return total + read

    async def feed_once(self) -> int:
        """One pass in its own transaction: how many events it read (0: nothing to do, or another
        worker is counting)."""
        async with self.sessions() as session:
            await session.connection(execution_options={BACKGROUND: True})
            if not await report_feed.due(session, self.clock()):
                return 0
            await session.rollback()
            await session.connection(execution_options={**write_options(session), BACKGROUND: True})
            read = await report_feed.feed(session, self.zone, self.clock(), self.batch)
            await session.commit()
        return read or 0
