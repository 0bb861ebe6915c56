"""The delivery worker: claims due deliveries, sends them, records each attempt.

Many deliveries are in flight at once (`CONCURRENCY`), at most `PER_ENDPOINT` per webhook, so a
slow endpoint holds a few slots and never the worker. A circuit breaker per webhook stops
claiming an endpoint's deliveries for a while after `BREAKER_FAILURES` failures in a row (its
deliveries wait, due, and go when it closes); it probes again with one delivery after that.
Failed attempts are retried on DOMAIN.md's schedule with jitter (domain/apps/webhooks.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.events import BACKGROUND
from api.outages import Outage
from api.webhooks import sender
from db import webhook_deliveries as store
from db.engine import write_options
from domain.apps.webhooks import Outcome, WebhookDeliveryStatus, next_attempt, outcome
from domain.clock import Clock, system_clock

log = logging.getLogger("omnishop.webhooks")

CONCURRENCY = 32
PER_ENDPOINT = 4
LEASE = timedelta(seconds=sender.TOTAL_TIMEOUT * 4)  # longer than any attempt: a lease outlives its holder only
BREAKER_FAILURES = 5
BREAKER_OPEN = timedelta(seconds=60)


class Breaker:
    """Per webhook: how many attempts failed in a row, and until when it is not to be called."""

    def __init__(self) -> None:
        self.failures: Counter[int] = Counter()
        self.open_until: dict[int, datetime] = {}

    def is_open(self, webhook_id: int, now: datetime) -> bool:
        until = self.open_until.get(webhook_id)
        return until is not None and now < until

    def succeeded(self, webhook_id: int) -> None:
        self.failures.pop(webhook_id, None)
        self.open_until.pop(webhook_id, None)

    def failed(self, webhook_id: int, now: datetime) -> None:
        self.failures[webhook_id] += 1
        if self.failures[webhook_id] >= BREAKER_FAILURES:
            self.open_until[webhook_id] = now + BREAKER_OPEN
            self.failures[webhook_id] = BREAKER_FAILURES - 1  # after the pause one more failure reopens it


class DeliveryWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval: float,
        allow_private: bool,
        clock: Clock = system_clock,
        jitter: random.Random | None = None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_outcome = on_outcome  # each attempt's outcome, for the metrics: succeeded, retry, failed, gone
        self.interval = interval
        self.allow_private = allow_private
        self.clock = clock
        self.random = jitter or random.Random()
        self.breaker = Breaker()
        self.in_flight: Counter[int] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False

    def nudge(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        outage = Outage(log, "webhook delivery")
        async with sender.client() as http:
            while not self._stopping:
                try:
                    self.start_due(http, await self.claim())
                    outage.recovered()
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # the database is down: try again later
                    outage.failed(e)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), outage.delay(self.interval))
                self._wake.clear()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=sender.TOTAL_TIMEOUT + 1)

    async def deliver_due(self) -> int:
        """Claim what is due and wait for those attempts to finish (tests, and one-shot runs); how many."""
        async with sender.client() as http:
            claimed = await self.claim()
            await asyncio.gather(*(self._attempt(http, c) for c in claimed))
        return len(claimed)

    def start_due(self, http: httpx.AsyncClient, claimed: list[store.Claimed]) -> None:
        for c in claimed:
            task = asyncio.create_task(self._attempt(http, c))
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()  # a slot is free: claim more

    async def claim(self) -> list[store.Claimed]:
        free = CONCURRENCY - sum(self.in_flight.values())
        if free <= 0:
            return []
        now = self.clock()
        skip = {w for w, n in self.in_flight.items() if n >= PER_ENDPOINT}
        skip |= {w for w in self.breaker.open_until if self.breaker.is_open(w, now)}
        async with self.sessions() as session:
            await session.connection(execution_options={BACKGROUND: True})
            if not await store.any_due(session, now, skip):
                return []
            await session.rollback()
            await session.connection(execution_options={**write_options(session), BACKGROUND: True})
            claimed = await store.claim(
                session, now, now + LEASE, free, skip, lambda w: PER_ENDPOINT - self.in_flight[w]
            )
            await session.commit()
        for c in claimed:
            self.in_flight[c.webhook_id] += 1
        return claimed

    async def _attempt(self, http: httpx.AsyncClient, c: store.Claimed) -> None:
        try:
            at = self.clock()
            answer = await sender.send(
                http, c.target_url, f"msg_{c.id}", c.body, c.secrets, at, allow_private=self.allow_private
            )
            result, gone = self._result(c, at, answer)
            async with self.sessions() as session:
                await session.connection(execution_options={**write_options(session), BACKGROUND: True})
                await store.record(session, c.id, result, disable_webhook=gone)
                await session.commit()
            if self.on_outcome is not None:
                self.on_outcome("gone" if gone else "retry" if result.next_attempt_at else result.status.value.lower())
        except Exception:
            log.exception("webhook delivery %s: the attempt could not be recorded (retried when its lease ends)", c.id)
            if self.on_outcome is not None:
                self.on_outcome("unrecorded")
        finally:
            self.in_flight[c.webhook_id] -= 1
            if not self.in_flight[c.webhook_id]:
                del self.in_flight[c.webhook_id]

    def _result(self, c: store.Claimed, at: datetime, answer: sender.Answer) -> tuple[store.Result, bool]:
        verdict = Outcome.FAILED if answer.refused else outcome(answer.status)
        retry_at = None
        if verdict is Outcome.SUCCEEDED:
            self.breaker.succeeded(c.webhook_id)
            status = WebhookDeliveryStatus.SUCCEEDED
        elif verdict is Outcome.RETRY:
            self.breaker.failed(c.webhook_id, at)
            retry_at = next_attempt(c.attempts + 1, at, self.random.uniform(-1, 1), answer.retry_after)
            status = WebhookDeliveryStatus.PENDING if retry_at else WebhookDeliveryStatus.FAILED
        else:
            status = WebhookDeliveryStatus.FAILED
        result = store.Result(
            attempted_at=at,
            duration_ms=answer.duration_ms,
            response_status=answer.status,
            response_body=answer.body,
            error=answer.error,
            status=status,
            next_attempt_at=retry_at,
        )
        return result, verdict is Outcome.GONE
