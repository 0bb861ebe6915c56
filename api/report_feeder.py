"""The report feed's background loop: counts new order events into the report rollups after they
commit (db/report_feed.py), so no checkout waits for the figures.

It runs in every `serve` worker; the watermark's lock makes the workers take turns, each event
counted once. It wakes every `interval` seconds and at once when nudged (this worker committed a
sale, a return or a cancellation: db/report_feed.py `note_event`). A nudged pass goes straight to
the watermark; a timed one first looks without writing, so an idle feed never takes SQLite's write
lock. A pass that finds the watermark taken by another worker looks again after `RETRY` seconds
rather than the interval: that worker's pass may have read the events before this worker's commit,
and the sale would otherwise wait for the next timed pass. While the database is down it backs off
and logs the outage once (api/outages.py).

In `serve` on PostgreSQL it runs on a thread of its own, with its own loop and connection
(api/report_feed_thread.py); elsewhere on the request loop.
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
RETRY = 0.05  # seconds before a pass that found another worker counting looks again


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
        self._nudged = False  # this worker committed an event a pass counts since its last pass began
        self._skipped = False  # the last pass found another worker holding the watermark

    def nudge(self) -> None:
        self._nudged = True
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
            wait = RETRY if self._skipped else self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), outage.delay(wait))
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
        nudged, self._nudged, self._skipped = self._nudged, False, False
        async with self.sessions() as session:
            if not nudged:
                await session.connection(execution_options={BACKGROUND: True})
                if not await report_feed.due(session, self.clock()):
                    return 0
                await session.rollback()
            await session.connection(execution_options={**write_options(session), BACKGROUND: True})
            read = await report_feed.feed(session, self.zone, self.clock(), self.batch)
            await session.commit()
        self._skipped = read is None
        return read or 0
