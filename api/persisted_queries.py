"""Automatic persisted queries (Apollo's APQ protocol).

A client sends `extensions.persistedQuery = {version: 1, sha256Hash}` and no `query`; if the
server knows the hash it runs the stored query, else it answers `PERSISTED_QUERY_NOT_FOUND`
and the client sends the hash again with the full `query`, which is stored once its SHA-256
matches (a mismatch is `BAD_USER_INPUT` and nothing is stored). Queries then travel as a
short hash, and `GET /graphql?extensions=...&variables=...` is a stable URL a CDN can cache.
Both errors are request errors: HTTP 200 with `application/json`, as Apollo answers, and 400
with `application/graphql-response+json`, which the GraphQL-over-HTTP draft requires of a
response without `data`. Apollo's client retries on the code whatever the status (the messages are Apollo's too,
`PersistedQueryNotFound` and, with `PERSISTED_QUERIES=false`, `PersistedQueryNotSupported`).

A query is stored only once it has run within the limits (parse, tokens, depth, aliases, cost):
a hash never stands for a document the server would refuse. Queries are kept in process (the
most recently used, `PERSISTED_QUERY_CACHE_BYTES` of them), or in Redis for
`PERSISTED_QUERY_TTL` seconds when `REDIS_URL` is set. A Redis failure is a cache miss.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from typing import Any, Protocol

from redis.exceptions import RedisError

from api.outages import Outage
from schema.byte_cache import ByteLRU
from schema.errors import ErrorCode

log = logging.getLogger("omnishop.limits")

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """The persisted query cannot be used; `code` is the top-level error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MalformedPersistedQuery(ValueError):
    """`extensions.persistedQuery` is not `{version: 1, sha256Hash: <64 hex digits>}` (HTTP 400)."""


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, query: str) -> None: ...


class MemoryQueryStore:
    """The most recently used queries of this process, at most `max_bytes` of them."""

    def __init__(self, max_bytes: int) -> None:
        self._queries: ByteLRU[str, str] = ByteLRU(max_bytes)

    async def get(self, digest: str) -> str | None:
        return self._queries.get(digest)

    async def put(self, digest: str, query: str) -> None:
        self._queries.put(digest, query, sys.getsizeof(query))


class RedisQueryStore:
    """Queries shared by every server through Redis, each kept `ttl` seconds after it was stored."""

    def __init__(self, redis: Any, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.outage = Outage(log, "persisted queries: Redis")

    async def get(self, digest: str) -> str | None:
        try:
            query = await self.redis.get(self.prefix + digest)
        except (RedisError, OSError) as e:
            self.outage.failed(e)  # the client sends the query again
            return None
        self.outage.recovered()
        return query.decode() if isinstance(query, bytes) else query

    async def put(self, digest: str, query: str) -> None:
        try:
            await self.redis.set(self.prefix + digest, query, ex=self.ttl)
        except (RedisError, OSError) as e:
            self.outage.failed(e)


def requested_hash(extensions: Any) -> str | None:
    """The SHA-256 the request names in `extensions.persistedQuery`, or None when it names none."""
    if not isinstance(extensions, dict) or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise MalformedPersistedQuery('`extensions.persistedQuery` must be {"version": 1, "sha256Hash": ...}.')
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
        raise MalformedPersistedQuery("`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits.")
    return digest.lower()


async def resolve(store: QueryStore | None, digest: str, query: str | None) -> str:
    """The query to run for a request that names `digest` (and maybe sends `query` too, which the
    caller stores with `store.put` only once it has run within the limits)."""
    if store is None:
        raise PersistedQueryError(ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED.value, "PersistedQueryNotSupported")
    if query is None:
        stored = await store.get(digest)
        if stored is None:
            raise PersistedQueryError(ErrorCode.PERSISTED_QUERY_NOT_FOUND.value, "PersistedQueryNotFound")
        return stored
    if hashlib.sha256(query.encode()).hexdigest() != digest:
        raise PersistedQueryError(
            ErrorCode.BAD_USER_INPUT.value,
            "The `query` does not match `extensions.persistedQuery.sha256Hash` (its SHA-256 in hexadecimal).",
        )
    return query
