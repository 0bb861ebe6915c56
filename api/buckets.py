"""Leaky buckets of points, in process or shared through Redis.

A bucket holds up to `capacity` points and refills at `rate` points per second. Taking
`cost` points succeeds when that many are available, and then removes them; otherwise it
takes nothing and says how long until enough have refilled. `take(key, 0)` only looks; a
negative cost gives points back (never beyond `capacity`).

`MemoryBuckets` serves one process (each worker its own buckets); `RedisBuckets` keeps the
state in Redis, updated by one Lua script so that concurrent workers never race, with the
Redis server's clock so that workers' clocks need not agree. A bucket that has refilled is
the same as no bucket, so keys expire once full and memory stays bounded. When Redis does
not answer, a take is allowed (the outage logged once, api/outages.py): an outage of the
limiter must not become an outage of the shop.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

from api.outages import Outage

log = logging.getLogger("omnishop.limits")


@dataclass(frozen=True, slots=True)
class Take:
    """The outcome of taking points from a bucket."""

    allowed: bool
    available: float  # points left after the take (or before, when refused)
    capacity: int
    rate: float
    retry_after: float  # seconds until the refused cost would fit; 0 when allowed

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds for a `Retry-After` header (at least 1 when refused)."""
        return 0 if self.allowed else max(1, math.ceil(self.retry_after))


def _outcome(available: float, cost: float, capacity: int, rate: float) -> Take:
    if cost <= available:
        return Take(True, min(float(capacity), available - cost), capacity, rate, 0.0)
    return Take(False, available, capacity, rate, (cost - available) / rate)


class Buckets(Protocol):
    async def take(self, key: str, cost: float, capacity: int, rate: float) -> Take: ...

    async def clear(self, key: str) -> None: ...


class MemoryBuckets:
    """Buckets in this process, at most `max_keys` of them (the least recently used go first:
    an evicted bucket comes back full, which errs on the caller's side)."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_keys = max_keys
        self.clock = clock
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (available, at)

    async def take(self, key: str, cost: float, capacity: int, rate: float) -> Take:
        now = self.clock()
        available, at = self._state.pop(key, (float(capacity), now))
        available = min(float(capacity), available + max(0.0, now - at) * rate)
        outcome = _outcome(available, cost, capacity, rate)
        if outcome.available < capacity:
            self._state[key] = (outcome.available, now)
            if len(self._state) > self.max_keys:
                self._state.popitem(last=False)
        return outcome

    async def clear(self, key: str) -> None:
        self._state.pop(key, None)


# KEYS[1] the bucket; ARGV: capacity, rate (points/s), cost. Returns {allowed, available} with
# `available` as a string (Lua numbers would be truncated to integers on the way out).
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'available', 'at')
local available = tonumber(state[1])
if available == nil then
  available = capacity
else
  available = math.min(capacity, available + math.max(0, now - tonumber(state[2])) * rate)
end
local allowed = 0
if cost <= available then
  available = math.min(capacity, available - cost)
  allowed = 1
end
if available < capacity then
  redis.call('HSET', KEYS[1], 'available', tostring(available), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - available) / rate * 1000) + 1000)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, tostring(available)}
"""


class RedisBuckets:
    """Buckets shared by every worker through Redis, under `prefix`."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_TAKE)
        self.outage = Outage(log, "rate limits: Redis (takes are allowed meanwhile)")

    async def take(self, key: str, cost: float, capacity: int, rate: float) -> Take:
        try:
            allowed, available = await self._script(
                keys=[self.prefix + key], args=[capacity, repr(float(rate)), repr(float(cost))]
            )
        except (RedisError, OSError) as e:
            self.outage.failed(e)
            return Take(True, float(capacity), capacity, rate, 0.0)
        self.outage.recovered()
        left = float(available)
        if int(allowed):
            return Take(True, left, capacity, rate, 0.0)
        return Take(False, left, capacity, rate, (cost - left) / rate)

    async def clear(self, key: str) -> None:
        try:
            await self.redis.delete(self.prefix + key)
        except (RedisError, OSError) as e:
            self.outage.failed(e)
