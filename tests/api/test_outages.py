"""An outage of the database or Redis, as the log shows it: every background loop (and the Redis
rate limiter) logs the first failure once, without a traceback, backs off, and logs the recovery,
instead of a traceback every second."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import api.events
import api.jobs
from api.buckets import RedisBuckets
from api.events import LocalBus, OutboxRelay, RedisBus
from api.outages import Outage
from api.persisted_queries import RedisQueryStore
from api.response_cache import RedisResponseCache
from db.engine import create_session_factory
from domain.members.points_services import PointsPolicy
from tests.helpers import until

FAILURES = 5


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("omnishop") and r.levelno >= logging.INFO]


def assert_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    lines = outage_lines(caplog)
    assert [r.levelno for r in lines] == [logging.WARNING, logging.WARNING], [r.getMessage() for r in lines]
    down, up = lines
    assert "failed" in down.getMessage() and "database down" in down.getMessage()
    assert down.exc_info is None and up.exc_info is None
    assert f"recovered after {FAILURES} failed attempts" in up.getMessage()


def test_the_wait_doubles_from_the_interval_up_to_the_cap() -> None:
    outage = Outage(logging.getLogger("omnishop.test"), "x", cap=60)
    assert outage.delay(1) == 1
    waits = []
    for _ in range(9):
        outage.failed(OSError())
        waits.append(outage.delay(1))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert outage.delay(120) == 120  # never sooner than the loop's own interval
    outage.recovered()
    assert outage.delay(1) == 1


async def test_the_outbox_relay_logs_a_database_outage_once(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    real = create_session_factory(engine)
    calls = 0

    def sessions() -> Any:
        nonlocal calls
        calls += 1
        if calls <= FAILURES:
            raise ConnectionRefusedError("database down")
        return real()

    relay = OutboxRelay(sessions, LocalBus(), 0.001)  # type: ignore[arg-type]
    with caplog.at_level(logging.DEBUG):
        task = asyncio.create_task(relay.run())
        await until(lambda: calls > FAILURES + 1)
        relay.stop()
        await task
    assert_logged_once(caplog)


# The periodic jobs of api/jobs.py: the pass a loop calls, and the loop, every 1 ms.
JOBS: dict[str, tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = {
    "order expiry": ("expire_unpaid_orders", lambda: api.jobs.run_order_expiry(None, PointsPolicy(24), 0.001)),  # type: ignore[arg-type]
    "count folding": ("fold_published_counts", lambda: api.jobs.run_count_folding(None, 0.001, 0.001)),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("job", list(JOBS))
async def test_a_periodic_job_logs_a_database_outage_once(
    job: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def one_pass(*_args: Any) -> int:
        nonlocal calls
        calls += 1
        if calls <= FAILURES:
            raise ConnectionRefusedError("database down")
        return 0

    name, loop = JOBS[job]
    monkeypatch.setattr(api.jobs, name, one_pass)
    with caplog.at_level(logging.DEBUG):
        task = asyncio.create_task(loop())
        await until(lambda: calls > FAILURES + 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert_logged_once(caplog)


class FlakyRedis:
    """A Redis client whose commands fail `failures` times, then work."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.subscribed = asyncio.Event()

    def _call(self) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("database down")  # the same words as the others, for the asserts

    def register_script(self, _script: str) -> Callable[..., Awaitable[list[Any]]]:
        async def run(**_kwargs: Any) -> list[Any]:
            self._call()
            return [1, "9"]

        return run

    async def get(self, _key: str) -> bytes | None:
        self._call()
        return None

    async def set(self, _key: str, _value: Any, **_expiry: int) -> None:
        self._call()

    def pubsub(self) -> FlakyRedis:
        return self

    async def subscribe(self, _channel: str) -> None:
        self._call()
        self.subscribed.set()

    async def listen(self) -> Any:
        await asyncio.Event().wait()
        yield {}  # pragma: no cover

    async def aclose(self) -> None:
        return None


async def test_the_redis_subscriber_logs_an_outage_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(api.events, "RESUBSCRIBE_SECONDS", 0.001)
    redis = FlakyRedis(FAILURES)
    bus = RedisBus(redis, "events")
    with caplog.at_level(logging.DEBUG):
        await bus.start()
        await asyncio.wait_for(redis.subscribed.wait(), 5)
        await bus.close()
    assert_logged_once(caplog)


async def test_the_redis_rate_limiter_logs_an_outage_once(caplog: pytest.LogCaptureFixture) -> None:
    buckets = RedisBuckets(FlakyRedis(FAILURES), "p:")
    with caplog.at_level(logging.DEBUG):
        takes = [await buckets.take("k", 1, 10, 1.0) for _ in range(FAILURES + 2)]
    assert all(t.allowed for t in takes)  # an outage of the limiter is not an outage of the shop
    assert_logged_once(caplog)


async def test_the_redis_response_cache_logs_an_outage_once(caplog: pytest.LogCaptureFixture) -> None:
    cache = RedisResponseCache(FlakyRedis(FAILURES), "c:", ttl=5)
    with caplog.at_level(logging.DEBUG):
        versions = [await cache.version() for _ in range(FAILURES + 2)]
    assert versions[:FAILURES] == [None] * FAILURES and versions[-1] == 0  # a miss, never an error
    assert_logged_once(caplog)


async def test_redis_persisted_queries_log_an_outage_once(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisQueryStore(FlakyRedis(FAILURES), "q:", ttl=60)
    with caplog.at_level(logging.DEBUG):
        for _ in range(FAILURES):
            await store.put("digest", "{ channels { slug } }")
        assert await store.get("digest") is None
    assert_logged_once(caplog)
