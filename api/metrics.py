"""Prometheus metrics: what the server counts, and how a scraper reads them.

Off by default (`METRICS=true` turns them on); when off nothing here is imported or run. The series:

- `omnishop_graphql_operations_total{type, operation, outcome}`: operations by type (query, mutation,
  unknown), name and outcome (`ok`; `user_error`: a mutation answered `userErrors`; `error`: an error in
  the result; `refused`: a request error, nothing ran; `limited`: THROTTLED by the rate limit). The name is
  bounded: a name counts apart only once a valid document used it, and only the first
  `METRICS_OPERATION_NAMES` such names per worker; the rest count as `other`, anonymous operations as
  `anonymous`. A client inventing names cannot grow the series without bound.
- `omnishop_http_request_duration_seconds{path}` and `omnishop_http_responses_total{path, status}`: every
  HTTP request, timed from its first byte in to its last byte out (response cache hits included); the
  path is one of the server's routes or `other`.
- `omnishop_graphql_query_cost`: the estimated cost of each operation that was costed (schema/cost.py).
- `omnishop_rate_limited_total`: operations refused by the caller's cost bucket (429 THROTTLED).
- `omnishop_response_cache_lookups_total{result}`: the response cache's hits and misses.
- `omnishop_db_pool_connections_in_use`, `omnishop_db_pool_waits_total`,
  `omnishop_db_pool_wait_seconds_total`: connections checked out of each worker's pool (summed over the
  live workers), and the checkouts that had to wait for one (PostgreSQL: db/engine.py `WatchedPool`).
- `omnishop_db_routed_statements_total{target}`: with `DATABASE_REPLICA_URL`, the request sessions'
  statements by the database they went to (`replica`, or `primary`: writes, reads after a write, reads of
  a caller who just wrote, and every read while the replica is down or lags too far: db/replica.py).
- `omnishop_outbox_backlog`: events not yet published, as the outbox relay last counted them (at most once a second).
- `omnishop_webhook_deliveries_total{outcome}`: webhook attempts by outcome (succeeded, retry, failed,
  gone, unrecorded).

With several workers (`serve --workers N`) each process writes its values to files in
`PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode, which `serve` sets up) and whichever
worker answers a scrape adds them all up.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import WatchedPool

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OTHER = "other"
ANONYMOUS = "anonymous"
OUTCOMES = ("ok", "user_error", "error", "refused", "limited")
ROUTES = frozenset({"/graphql", "/health/live", "/health/ready", "/metrics"})
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}\Z")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COST_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class OperationNames:
    """The operation names counted apart: the first `cap` names of valid documents (a persisted query's
    too, since it was valid when stored); everything else is `other`."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.known: set[str] = set()

    def label(self, name: str | None, valid_document: bool) -> str:
        if not valid_document:
            return OTHER
        if name is None:
            return ANONYMOUS
        if name in self.known:
            return name
        if len(self.known) < self.cap and NAME.match(name):
            self.known.add(name)
            return name
        return OTHER


class Metrics:
    """One app's series, in a registry of its own (tests build many apps in one process)."""

    def __init__(self, operation_names: int = 200) -> None:
        self.multiprocess = multiprocess_dir() is not None
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.names = OperationNames(operation_names)
        self.operations = Counter(
            "omnishop_graphql_operations",
            "GraphQL operations by type, name and outcome.",
            ["type", "operation", "outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "omnishop_http_request_duration_seconds",
            "HTTP requests by route, from the request's arrival to the response's last byte.",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.responses = Counter(
            "omnishop_http_responses", "HTTP responses by route and status.", ["path", "status"], registry=r
        )
        self.cost = Histogram(
            "omnishop_graphql_query_cost", "Estimated cost of each operation.", buckets=COST_BUCKETS, registry=r
        )
        self.limited = Counter("omnishop_rate_limited", "Operations refused by the rate limit (THROTTLED).", registry=r)
        self.cache = Counter(
            "omnishop_response_cache_lookups", "Response cache lookups by result (hit, miss).", ["result"], registry=r
        )
        self.pool_in_use = Gauge(
            "omnishop_db_pool_connections_in_use",
            "Database connections checked out of the pools.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_waits = Counter(
            "omnishop_db_pool_waits", "Checkouts that waited because every connection was taken.", registry=r
        )
        self.pool_wait_seconds = Counter(
            "omnishop_db_pool_wait_seconds", "Seconds checkouts spent waiting for a connection.", registry=r
        )
        self.outbox_backlog = Gauge(
            "omnishop_outbox_backlog",
            "Outbox events not yet published, as last counted.",
            registry=r,
            multiprocess_mode="livemostrecent",
        )
        self.webhook_deliveries = Counter(
            "omnishop_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"], registry=r
        )
        self.routed = Counter(
            "omnishop_db_routed_statements",
            "Request sessions' statements by database (replica, primary) when a replica is set.",
            ["target"],
            registry=r,
        )
        self._operations: dict[tuple[str, str, str], Any] = {}
        self._requests: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._cache = {True: self.cache.labels("hit"), False: self.cache.labels("miss")}
        self._routed = {target: self.routed.labels(target) for target in ("primary", "replica")}

    def operation(self, kind: str, name: str | None, outcome: str, cost: int | None, valid: bool) -> None:
        key = (kind, self.names.label(name, valid), outcome)
        child = self._operations.get(key)
        if child is None:
            child = self._operations[key] = self.operations.labels(*key)
        child.inc()
        if cost is not None:
            self.cost.observe(cost)
        if outcome == "limited":
            self.limited.inc()

    def request(self, path: str, status: int, seconds: float) -> None:
        key = (path if path in ROUTES else OTHER, status)
        children = self._requests.get(key)
        if children is None:
            children = self._requests[key] = (self.latency.labels(key[0]), self.responses.labels(*map(str, key)))
        children[0].observe(seconds)
        children[1].inc()

    def cache_lookup(self, hit: bool) -> None:
        self._cache[hit].inc()

    def pool_waited(self, seconds: float) -> None:
        self.pool_waits.inc()
        self.pool_wait_seconds.inc(seconds)

    def route(self, target: str) -> None:
        self._routed[target].inc()

    def webhook_delivery(self, outcome: str) -> None:
        self.webhook_deliveries.labels(outcome).inc()

    def watch_pool(self, engine: AsyncEngine) -> Callable[[], None]:
        """Count `engine`'s checked-out connections (and its waits); returns what stops it."""
        pool = engine.sync_engine.pool

        def checkout(*_args: Any) -> None:
            self.pool_in_use.inc()

        def checkin(*_args: Any) -> None:
            self.pool_in_use.dec()

        event.listen(pool, "checkout", checkout)
        event.listen(pool, "checkin", checkin)
        if isinstance(pool, WatchedPool):
            pool.on_wait = self.pool_waited

        def stop() -> None:
            event.remove(pool, "checkout", checkout)
            event.remove(pool, "checkin", checkin)
            if isinstance(pool, WatchedPool):
                pool.on_wait = None
            if self.multiprocess:  # this worker's live gauges leave the sums
                mark_process_dead(os.getpid())

        return stop

    def exposition(self) -> bytes:
        """The text a scraper reads: every worker's values in multiprocess mode, else this app's."""
        return generate_latest(scrape_registry() if self.multiprocess else self.registry)


def scrape_registry() -> CollectorRegistry:
    """A registry that adds up the files of every worker in `PROMETHEUS_MULTIPROC_DIR`."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def authorized(header: str | None, token: str | None) -> bool:
    """No token configured, or `Authorization: Bearer <token>` (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


CONTENT_TYPE = CONTENT_TYPE_LATEST
