"""The real Redis for tests that share state through it, skipped when it does not answer.

`OMNISHOP_TEST_REDIS_URL` names it (default redis://127.0.0.1:6379/0). Redis may hold other
people's keys: each test gets a unique key prefix and deletes only the keys under it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import redis.asyncio
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("OMNISHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@asynccontextmanager
async def real_redis() -> AsyncIterator[tuple[Any, str]]:
    """A client of the test Redis and a fresh key prefix; the prefix's keys are deleted after."""
    client = redis.asyncio.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (RedisError, OSError):
        await client.aclose()
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"omnishop-test:{uuid.uuid4().hex}:"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
