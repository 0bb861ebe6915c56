"""Publishing what the outbox holds to subscriptions: the event bus and the outbox relay.

`LocalBus` fans events out to this process's subscribers. With `REDIS_URL` set, `RedisBus`
publishes through a Redis channel instead and every worker forwards what it hears to its own
subscribers, so a subscriber on one worker hears of a change committed by another.

`OutboxRelay` runs in each worker: it claims unpublished outbox rows (SKIP LOCKED on
PostgreSQL: workers share the work, none publishes a row another is publishing), publishes them,
and marks them published in the same transaction, in which it also makes the webhook deliveries
of the webhook events among them (api/webhooks/payloads.py). It keeps the webhook subscribers it
read until a write changes them (`SubscriberCache`: their version comes back with the batch), so a
drain is one statement on PostgreSQL. It wakes every `interval` seconds, and at once when this
worker commits a change that wrote to the outbox (`nudge`); nudges during a drain make one more
drain, so under load one drain takes what several commits wrote. While the database or Redis
is down it backs off and logs the outage once (api/outages.py). Delivery is at least once;
a subscription re-reads the current state for every event, so a repeat is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncGenerator, Callable, Iterable
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.outages import Outage
from api.webhooks import payloads
from db import outbox, webhook_deliveries, webhook_events
from db.engine import write_options
from domain.clock import Clock, system_clock

log = logging.getLogger("omnishop.events")

BACKGROUND = "omnishop_background"  # an execution option marking the relay's statements (not a request's)
QUEUE_SIZE = 256  # a subscriber this far behind loses the oldest events (it re-reads state anyway)
BATCH = 500
KEEP_PUBLISHED = timedelta(hours=1)
BACKLOG_SECONDS = 1.0  # the metrics count the backlog at most this often: not once per nudged round
RESUBSCRIBE_SECONDS = 1.0  # the first wait before the Redis subscriber tries again (then it backs off)


class LocalBus:
    """In-process fan-out: each subscriber has a bounded queue per subscription."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[tuple[str, str]]]] = defaultdict(set)

    async def publish(self, events: Iterable[tuple[str, str]]) -> None:
        self.deliver(events)

    def deliver(self, events: Iterable[tuple[str, str]]) -> None:
        for topic, message in events:
            for queue in self._queues.get(topic, ()):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait((topic, message))

    def subscriptions(self) -> int:
        """How many subscriptions are listening here: one is heard from the moment it counts."""
        return len({id(queue) for queues in self._queues.values() for queue in queues})

    async def subscribe(self, topics: Iterable[str]) -> AsyncGenerator[tuple[str, str], None]:
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue(QUEUE_SIZE)
        wanted = set(topics)
        for topic in wanted:
            self._queues[topic].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            for topic in wanted:
                self._queues[topic].discard(queue)
                if not self._queues[topic]:
                    del self._queues[topic]

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus(LocalBus):
    """Publishes through one Redis channel; a listener task delivers what arrives to local subscribers."""

    def __init__(self, redis: Any, channel: str) -> None:
        super().__init__()
        self.redis = redis
        self.channel = channel
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, events: Iterable[tuple[str, str]]) -> None:
        batch = list(events)
        if batch:
            await self.redis.publish(self.channel, orjson.dumps(batch))

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        outage = Outage(log, "event bus: the Redis subscription")
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(self.channel)
                outage.recovered()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.deliver((t, m) for t, m in orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Redis went away: keep trying; events wait in the outbox meanwhile
                outage.failed(e)
                await asyncio.sleep(outage.delay(RESUBSCRIBE_SECONDS))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.redis.aclose()


Bus = LocalBus


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: Bus,
        interval: float,
        clock: Clock = system_clock,
        on_deliveries: Callable[[], None] | None = None,
        renderer: payloads.PayloadRenderer | None = None,
        on_backlog: Callable[[int], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.renderer = renderer  # runs webhooks' payload queries (None: default payloads only)
        self.bus = bus
        self.interval = interval
        self.clock = clock  # when events count as published, and when they are old enough to purge
        self.on_deliveries = on_deliveries  # webhook deliveries were made: wake the delivery worker
        self.on_backlog = on_backlog  # the metrics: how many events wait (one COUNT, `BACKLOG_SECONDS` apart)
        self.subscribers = webhook_deliveries.SubscriberCache()  # read again when a write changes them
        self._wake = asyncio.Event()
        self._stopping = False

    def nudge(self) -> None:
        """Something was just committed to the outbox: publish it now rather than at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch in hand and return from `run` (never cancel it mid-transaction: a
        cancelled SQLite transaction could keep the write lock until its connection is collected)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        ticks = 0
        counted_at = -BACKLOG_SECONDS
        outage = Outage(log, "outbox relay")
        while not self._stopping:
            try:
                while await self.drain_once() == BATCH:
                    pass
                ticks += 1
                if ticks % 600 == 0:
                    await self._purge()
                if self.on_backlog is not None and time.monotonic() >= counted_at + BACKLOG_SECONDS:
                    counted_at = time.monotonic()
                    self.on_backlog(await self.backlog())
                outage.recovered()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the database or Redis is down: try again later (sooner when nudged)
                outage.failed(e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), outage.delay(self.interval))
            self._wake.clear()

    async def drain_once(self) -> int:
        """Publish one batch of unpublished events; how many there were. On SQLite it looks first
        without writing, so an idle relay never takes the write lock; PostgreSQL's row locks make
        taking the batch as cheap as looking."""
        async with self.sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                await session.connection(execution_options={BACKGROUND: True})
                if not await outbox.pending(session):
                    return 0
                await session.rollback()
            await session.connection(execution_options={**write_options(session), BACKGROUND: True})
            taken, version = await outbox.take(session, BATCH, self.clock())
            made = 0
            if taken:
                events = [(topic, message) for _, topic, message in taken]
                await self.bus.publish((t, m) for t, m in events if webhook_events.event_of(t) is None)
                made = await payloads.fan_out(
                    session, events, self.clock(), self.renderer, lambda: self.subscribers.read(session, version)
                )
            await session.commit()
        if made and self.on_deliveries is not None:
            self.on_deliveries()
        return len(taken)

    async def backlog(self) -> int:
        """How many events are not yet published."""
        async with self.sessions() as session:
            await session.connection(execution_options={BACKGROUND: True})
            return await outbox.unpublished(session)

    async def _purge(self) -> None:
        async with self.sessions() as session:
            await session.connection(execution_options={**write_options(session), BACKGROUND: True})
            await outbox.purge(session, self.clock() - KEEP_PUBLISHED)
            await session.commit()
