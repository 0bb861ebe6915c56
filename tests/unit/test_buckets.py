"""Leaky buckets (api/buckets.py): in process with a fake clock, and the Redis Lua script
against the real Redis (skipped when it does not answer), which must behave the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from api.buckets import Buckets, MemoryBuckets, RedisBuckets
from tests.helpers import FakeClock
from tests.redis_fixtures import real_redis


async def test_a_bucket_starts_full_and_refuses_what_it_does_not_hold() -> None:
    clock = FakeClock()
    buckets = MemoryBuckets(clock=clock)
    first = await buckets.take("k", 6, capacity=10, rate=2)
    assert (first.allowed, first.available, first.retry_after) == (True, 4, 0)
    refused = await buckets.take("k", 6, capacity=10, rate=2)
    assert (refused.allowed, refused.available, refused.retry_after) == (False, 4, 1.0)  # 2 points at 2/s
    assert refused.retry_after_seconds == 1
    clock.now += 0.5
    assert not (await buckets.take("k", 6, capacity=10, rate=2)).allowed  # 5 points: still short
    clock.now += 0.5
    assert (await buckets.take("k", 6, capacity=10, rate=2)).available == 0


async def test_a_bucket_refills_no_higher_than_its_capacity() -> None:
    clock = FakeClock()
    buckets = MemoryBuckets(clock=clock)
    await buckets.take("k", 10, capacity=10, rate=1)
    clock.now += 3600
    assert (await buckets.take("k", 0, capacity=10, rate=1)).available == 10


async def test_taking_nothing_only_looks_and_a_negative_cost_gives_back() -> None:
    buckets = MemoryBuckets(clock=FakeClock())
    await buckets.take("k", 3, capacity=5, rate=1)
    assert (await buckets.take("k", 0, capacity=5, rate=1)).available == 2
    assert (await buckets.take("k", 0, capacity=5, rate=1)).available == 2
    assert (await buckets.take("k", -1, capacity=5, rate=1)).available == 3
    assert (await buckets.take("k", -10, capacity=5, rate=1)).available == 5


async def test_keys_are_separate_and_bounded() -> None:
    buckets = MemoryBuckets(max_keys=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        await buckets.take(key, 5, capacity=5, rate=1)
    assert not (await buckets.take("c", 1, capacity=5, rate=1)).allowed
    assert (await buckets.take("a", 5, capacity=5, rate=1)).allowed  # evicted first: back full
    await buckets.clear("c")
    assert (await buckets.take("c", 5, capacity=5, rate=1)).allowed


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    from api.buckets import Take

    assert Take(False, 0, 10, 1000, 0.004).retry_after_seconds == 1
    assert Take(False, 0, 10, 1, 2.1).retry_after_seconds == 3
    assert Take(True, 5, 10, 1, 0).retry_after_seconds == 0


# --- the same through Redis ----------------------------------------------------------------------


@asynccontextmanager
async def redis_buckets() -> AsyncIterator[tuple[Buckets, object, str]]:
    async with real_redis() as (client, prefix):
        yield RedisBuckets(client, prefix), client, prefix


async def test_redis_buckets_take_and_refuse_like_memory_ones() -> None:
    async with redis_buckets() as (buckets, client, prefix):
        first = await buckets.take("k", 6, capacity=10, rate=0.001)  # (next to) no refill during the test
        assert first.allowed and first.available == pytest.approx(4, abs=0.01)
        refused = await buckets.take("k", 6, capacity=10, rate=0.001)
        assert not refused.allowed and refused.available == pytest.approx(4, abs=0.01)
        assert refused.retry_after == pytest.approx(2000, rel=0.01)
        assert (await buckets.take("k", 0, capacity=10, rate=0.001)).available == pytest.approx(4, abs=0.01)
        assert (await buckets.take("k", -100, capacity=10, rate=0.001)).available == 10
        assert not await client.exists(prefix + "k")  # a full bucket is no bucket
        await buckets.take("k", 1, capacity=10, rate=0.001)
        assert 0 < await client.pttl(prefix + "k") <= 1000 * 1000 + 1000  # expires once it would be full
        await buckets.clear("k")
        assert not await client.exists(prefix + "k")


async def test_redis_buckets_refill_with_time() -> None:
    async with redis_buckets() as (buckets, _client, _prefix):
        # the script reads the Redis server's clock: refill slowly while the test checks the refusal (a
        # loaded machine may take a while between the calls), then fast once the wait is over
        assert (await buckets.take("k", 10, capacity=10, rate=0.001)).allowed
        assert not (await buckets.take("k", 10, capacity=10, rate=0.001)).allowed
        await asyncio.sleep(0.05)  # 50 points' worth at 1000/s, capped at 10
        assert (await buckets.take("k", 10, capacity=10, rate=1000)).allowed


async def test_concurrent_takes_through_redis_never_overdraw() -> None:
    async with redis_buckets() as (buckets, _client, _prefix):
        takes = await asyncio.gather(*(buckets.take("k", 1, capacity=10, rate=0.001) for _ in range(30)))
        assert sum(t.allowed for t in takes) == 10


async def test_a_redis_that_does_not_answer_fails_open() -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        take = await RedisBuckets(client, "x:").take("k", 5, capacity=10, rate=1)
        assert take.allowed and take.available == 10
        await RedisBuckets(client, "x:").clear("k")
    finally:
        await client.aclose()
