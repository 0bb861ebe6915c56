"""The report feed on a thread of its own, with its own event loop and its own PostgreSQL connection
(`serve` on PostgreSQL: api/app.py).

Why: a pass is a handful of round trips, and on the workers' event loop each one waits its turn behind
every request in flight. Under a flash sale that is dozens of checkouts, and the turns, not the
pass's own work, were most of the lag from a paid order to its figures. On its own loop a pass's
round trip waits for the database and then for the interpreter lock, which the request loop gives up
every few milliseconds (`sys.getswitchinterval`), whatever the number of requests queued. The work is
the same and still runs after the sale's commit; only the queueing goes. The pool is its own too, so
a pass never waits for a connection a checkout holds.

The loop itself is api/report_feeder.py's `ReportFeeder`, unchanged: this worker's commits nudge it
across threads, and `stop` ends it after the pass in hand. With an engine shared by tests (or SQLite,
whose one writer gains nothing from a second connection) the feeder runs on the request loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

from api.report_feeder import ReportFeeder
from db.engine import create_engine, create_session_factory
from domain.clock import Clock

log = logging.getLogger("omnishop.reports")


class ReportFeedThread:
    def __init__(self, database_url: str, zone: ZoneInfo, interval: float, clock: Clock) -> None:
        self.database_url = database_url
        self.zone = zone
        self.interval = interval
        self.clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None  # the thread's, while its feeder runs
        self._feeder: ReportFeeder | None = None
        self._stopping = False
        self._nudge_pending = False  # a nudge is on its way to the thread's loop

    def nudge(self) -> None:
        """Called on the request loop after a commit the feed counts: wake the feeder on its thread. A
        nudge while the last one has not yet reached the thread adds nothing (the pass that one wakes
        begins after this commit), so a burst of sales wakes the thread once, not once per commit."""
        if self._nudge_pending:
            return
        self._nudge_pending = True
        if not self._on_thread(self._nudged):
            self._nudge_pending = False

    def _nudged(self, feeder: ReportFeeder) -> None:
        self._nudge_pending = False  # first: a commit after this line schedules a nudge of its own
        feeder.nudge()

    def stop(self) -> None:
        """Finish the pass in hand and end the thread (`run` then returns)."""
        self._stopping = True
        self._on_thread(lambda feeder: feeder.stop())

    async def run(self) -> None:
        """Start the thread and wait, without blocking this loop, until it has ended."""
        here = asyncio.get_running_loop()
        ended = here.create_future()

        def finished() -> None:
            if not ended.done():
                ended.set_result(None)

        def main() -> None:
            try:
                asyncio.run(self._feed())
            except Exception:
                log.exception("report feed thread failed")
            finally:
                with contextlib.suppress(RuntimeError):  # the request loop has closed
                    here.call_soon_threadsafe(finished)

        threading.Thread(target=main, name="report-feed", daemon=True).start()
        await ended

    async def _feed(self) -> None:
        engine = create_engine(self.database_url, pool_size=2)
        try:
            feeder = ReportFeeder(
                create_session_factory(engine, autocommit_reads=True), self.zone, self.interval, self.clock
            )
            self._loop = asyncio.get_running_loop()
            self._feeder = feeder
            if self._stopping:  # stopped before the feeder existed
                feeder.stop()
            await feeder.run()
        finally:
            self._feeder = None
            self._loop = None
            await engine.dispose()

    def _on_thread(self, call: Callable[[ReportFeeder], None]) -> bool:
        """Run `call` on the thread's loop; whether it was scheduled (no feeder yet, or the loop closed)."""
        loop, feeder = self._loop, self._feeder
        if loop is None or feeder is None:
            return False
        try:
            loop.call_soon_threadsafe(call, feeder)
        except RuntimeError:  # the thread's loop has just closed
            return False
        return True
