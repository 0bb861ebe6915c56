"""The response cache: repeated anonymous storefront reads answered without running them.

What is cached: the whole HTTP body of a successful anonymous query (no `Authorization`, no
errors) whose root fields are all storefront reads (`STOREFRONT_FIELDS`: products, categories,
channels, locations, nearby stores; never carts or orders, which guests reach by id), keyed by
the request itself (method, body or query string, the media type asked for; at most
`CACHEABLE_REQUEST_BYTES`) and by the **version**.

Why it is never stale: every transaction that writes a catalogue table (channels, categories,
products, variants, their channel listings and prices, locations and their channel links,
promotions) or a stock level bumps the version after it commits (the session listeners of
`db.catalogue_changes`), and a lookup only finds entries stored under the current version. An
entry computed from data read before a write and stored after the bump sits under the old
version and is never served. With `RESPONSE_CACHE_STALE_STOCK=true` stock changes do not bump
the version, so during a flash sale the cache keeps answering: stock figures (`available`,
`stock`, `isAvailable`) may then lag by up to `RESPONSE_CACHE_TTL` seconds (5 by default);
prices and publication still never do. Writes made outside the API (SQL by hand, `omnishop
seed`) do not bump it: entries expire within the TTL.

In process by default (at most `RESPONSE_CACHE_BYTES` of answers in each worker). The workers
of one `omnishop serve --workers N` share the version through a small memory-mapped file
(`RESPONSE_CACHE_VERSION_FILE`, which `serve` sets), so a write in any worker invalidates what
every worker cached. With `REDIS_URL`, entries and the version live in Redis, shared by every
worker of every server.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import secrets
import time
from collections.abc import Iterator
from typing import Any, Protocol

from graphql import DocumentNode, FieldNode, OperationType, get_operation_ast
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from api.outages import Outage
from schema.byte_cache import ByteLRU
from schema.context import Context

log = logging.getLogger("omnishop.cache")


class ResponseCache(Protocol):
    async def version(self) -> int | None:
        """The current catalogue version; None when it cannot be known (then nothing is cached)."""
        ...

    async def get(self, key: str) -> bytes | None: ...
    async def put(self, key: str, body: bytes) -> None: ...
    async def bump(self) -> None: ...


STOREFRONT_FIELDS = frozenset(
    {"products", "product", "categories", "category", "channels", "locations", "nearbyStores", "__typename"}
)
# Requests (body, or a GET's query string) larger than this are neither looked up nor stored: a
# storefront's queries are a few KB, and a lookup hashes the request before its token limit is known.
CACHEABLE_REQUEST_BYTES = 64 * 1024


def reads_storefront(document: DocumentNode, operation_name: str | None) -> bool:
    """True when the operation is a query that reads only storefront root fields."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return False
    return all(
        isinstance(s, FieldNode) and s.name.value in STOREFRONT_FIELDS for s in operation.selection_set.selections
    )


class StorefrontCheck(SchemaExtension):
    """Tells the view (through `Context.storefront`) whether the operation may be cached. It looks
    at the document strawberry parsed, once it has passed the token limit and validation: the
    cache never parses a document of its own, so a document over the limits costs no more than
    the limits allow."""

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        target = context.context
        if isinstance(target, Context) and not context.pre_execution_errors and context.graphql_document is not None:
            target.storefront = reads_storefront(context.graphql_document, context.operation_name)


def cache_key(version: int, method: str, payload: bytes, media_type: str) -> str:
    digest = hashlib.sha256()
    for part in (str(version).encode(), method.encode(), media_type.encode(), payload):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class Version(Protocol):
    def read(self) -> int: ...
    def bump(self) -> None: ...


class LocalVersion:
    """The version of one process's cache."""

    def __init__(self) -> None:
        self._value = 0

    def read(self) -> int:
        return self._value

    def bump(self) -> None:
        self._value += 1


class VersionFile:
    """The version in a small file that every process on the host maps into memory: a read is a
    memory read, not a system call. A bump writes fresh random bytes instead of incrementing, so
    processes need no lock between them: all a reader relies on is that each bump changes the
    value to one it has never had (a read torn by a concurrent bump is just another such value)."""

    SIZE = 8

    def __init__(self, path: os.PathLike[str] | str) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < self.SIZE:
                os.ftruncate(fd, self.SIZE)
            self._map = mmap.mmap(fd, self.SIZE)
        finally:
            os.close(fd)  # the mapping keeps the file

    def read(self) -> int:
        return int.from_bytes(self._map[: self.SIZE], "little")

    def bump(self) -> None:
        self._map[: self.SIZE] = secrets.token_bytes(self.SIZE)


class MemoryResponseCache:
    """The most recently used responses of this process, at most `max_bytes` of them, each for `ttl`
    seconds, under a version that is this process's own or shared through a `VersionFile`."""

    def __init__(self, max_bytes: int, ttl: float, version: Version | None = None) -> None:
        self.ttl = ttl
        self._version = version or LocalVersion()
        self._seen = self._version.read()
        self._entries: ByteLRU[str, tuple[float, bytes]] = ByteLRU(max_bytes)

    async def version(self) -> int | None:
        current = self._version.read()
        if current != self._seen:  # another process wrote: nothing stored here can be served again
            self._seen = current
            self._entries.clear()
        return current

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key)
            return None
        return entry[1]

    async def put(self, key: str, body: bytes) -> None:
        self._entries.put(key, (time.monotonic() + self.ttl, body), len(key) + len(body))

    async def bump(self) -> None:
        self._version.bump()
        await self.version()


class RedisResponseCache:
    """Entries and the version in Redis. A Redis failure is a miss (and a failed bump turns the
    cache off for this worker until Redis answers again, so nothing stale is served)."""

    def __init__(self, redis: Any, prefix: str, ttl: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_ms = max(1, int(ttl * 1000))
        self._broken = False
        self.outage = Outage(log, "response cache: Redis")

    async def version(self) -> int | None:
        if self._broken:
            return None
        try:
            value = await self.redis.get(self.prefix + "version")
        except (RedisError, OSError) as e:
            self.outage.failed(e)  # answering without the cache
            return None
        self.outage.recovered()
        return int(value or 0)

    async def get(self, key: str) -> bytes | None:
        try:
            body: bytes | None = await self.redis.get(self.prefix + key)
        except (RedisError, OSError) as e:
            self.outage.failed(e)
            return None
        return body

    async def put(self, key: str, body: bytes) -> None:
        if self._broken:
            return
        try:
            await self.redis.set(self.prefix + key, body, px=self.ttl_ms)
        except (RedisError, OSError) as e:
            self.outage.failed(e)

    async def bump(self) -> None:
        try:
            await self.redis.incr(self.prefix + "version")
            self._broken = False
        except (RedisError, OSError) as e:
            if not self._broken:
                log.error(
                    "response cache: could not bump the catalogue version (%s); cache off in this worker "
                    "until Redis answers",
                    e,
                )
            self._broken = True
