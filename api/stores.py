"""Where rate-limit buckets, persisted queries and subscription fan-out live: in this process, or in
Redis when `REDIS_URL` is set (every key under `REDIS_PREFIX`), so that all workers and servers
share them. (The event bus has a Redis client of its own without the short timeout: its
subscription connection waits for messages indefinitely.)

The Redis client connects lazily, so a server starts while Redis is down; the stores then
fail open (api/buckets.py, api/persisted_queries.py) and log a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis.asyncio

from api.buckets import MemoryBuckets, RedisBuckets
from api.events import LocalBus, RedisBus
from api.persisted_queries import MemoryQueryStore, QueryStore, RedisQueryStore
from api.rate_limits import RateLimits
from api.response_cache import MemoryResponseCache, RedisResponseCache, ResponseCache, VersionFile
from api.settings import Settings

REDIS_TIMEOUT_SECONDS = 0.5  # a slow Redis must not stall every request


@dataclass
class Stores:
    rate_limits: RateLimits
    persisted_queries: QueryStore | None  # None: PERSISTED_QUERIES=false
    redis: Any | None = None
    bus: LocalBus = field(default_factory=LocalBus)  # subscription fan-out (api/events.py)
    responses: ResponseCache | None = None  # None: RESPONSE_CACHE=false

    async def close(self) -> None:
        await self.bus.close()
        if self.redis is not None:
            await self.redis.aclose()


def build_stores(settings: Settings) -> Stores:
    if settings.redis_url is None:
        persisted = MemoryQueryStore(settings.persisted_query_cache_bytes) if settings.persisted_queries else None
        responses = (
            MemoryResponseCache(
                settings.response_cache_bytes,
                settings.response_cache_ttl,
                VersionFile(settings.response_cache_version_file) if settings.response_cache_version_file else None,
            )
            if settings.response_cache
            else None
        )
        return Stores(RateLimits(settings, MemoryBuckets()), persisted, responses=responses)
    client = redis.asyncio.Redis.from_url(
        settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    prefix = settings.redis_prefix
    persisted_store = (
        RedisQueryStore(client, prefix + "apq:", settings.persisted_query_ttl) if settings.persisted_queries else None
    )
    responses_store = (
        RedisResponseCache(client, prefix + "responses:", settings.response_cache_ttl)
        if settings.response_cache
        else None
    )
    return Stores(
        RateLimits(settings, RedisBuckets(client, prefix + "bucket:")),
        persisted_store,
        client,
        RedisBus(redis.asyncio.Redis.from_url(settings.redis_url), prefix + "events"),
        responses_store,
    )
