"""Read replicas (`DATABASE_REPLICA_URL`): a request's session reads from the replica until it writes.

Two engines and one session class. A routed session picks its database at its first statement and keeps
the choice in `session.info[TARGET]`: the replica, unless the replica is down (its last connection
failed in the past `OUTAGE_SECONDS`) or lags more than the optional maximum. Whatever writes goes to
the primary: a unit of work's transaction (db/uow.py) switches the session there for good, so the
request then reads its own writes; the API does the same before a mutation, or for a caller who wrote
within the sticky window (`StickyWindow`), so that their next reads see their writes too. Background
jobs never use a routed session: they have the primary's own factory.

A replica that cannot be reached costs one failed connection attempt (`CONNECT_TIMEOUT_SECONDS` at
most): the session falls back to the primary at once and the outage is remembered, so the requests of
the next `OUTAGE_SECONDS` go straight to the primary; then the replica is tried again. A replica that
goes away under a session already reading from it fails that statement, as a dropped primary connection
does, and the disconnect counts as an outage for the sessions after it. The lag is
sampled at most once per `LAG_SAMPLE_SECONDS`, on a connection of its own, by the request that finds
the last sample too old.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from db.catalogue_changes import watch_catalogue_writes
from db.engine import SerialSession, read_bind
from domain.access.model import Principal

log = logging.getLogger("omnishop.replica")

PRIMARY, REPLICA = "primary", "replica"
TARGET = "omnishop_target"  # session.info: where this session's statements go
WROTE = "omnishop_wrote"  # session.info: the caller wrote (or the replica was behind them): remember them
OUTAGE_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 2.0
LAG_SAMPLE_SECONDS = 1.0
STICKY_KEYS = 50_000
# Seconds since the last replayed transaction, or 0 while everything received is replayed (an idle
# primary sends nothing, and a replica that has replayed it all is not behind however old that was).
LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
CONNECT_ERRORS = (exc.DBAPIError, OSError, TimeoutError)


def choose(*, replica_down: bool, lag: float, max_lag: float | None) -> str:
    """Where a session that has not written reads: the replica, unless it is down or too far behind.
    (Writes, and the reads of a caller who just wrote, are sent to the primary before: `route_for`.)"""
    if replica_down or (max_lag is not None and lag > max_lag):
        return PRIMARY
    return REPLICA


def principal_key(principal: Principal) -> Hashable | None:
    """Whose writes the sticky window remembers; anonymous callers are nobody in particular."""
    return None if principal.is_anonymous else (principal.kind.value, principal.id)


class StickyWindow:
    """The callers who wrote in the last `seconds`, in this process, at most `capacity` of them.

    All entries live equally long, so insertion order is expiry order: expired ones leave from the front
    as new ones arrive, and past `capacity` the oldest leaves early (its owner may then read the replica
    a little sooner). Per process is enough for what it is for: the replica is normally milliseconds
    behind, so the window only has to cover a caller's next requests, which a keep-alive connection
    brings to the same worker; a replica behind by more than a round trip is what the maximum lag
    (`DATABASE_REPLICA_MAX_LAG_SECONDS`) sends everyone to the primary for.
    """

    def __init__(self, seconds: float, capacity: int = STICKY_KEYS, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.capacity, self.clock = seconds, capacity, clock
        self._until: OrderedDict[Hashable, float] = OrderedDict()

    def remember(self, key: Hashable) -> None:
        if self.seconds <= 0:
            return
        now = self.clock()
        self._until.pop(key, None)
        self._until[key] = now + self.seconds
        while self._until and (len(self._until) > self.capacity or next(iter(self._until.values())) <= now):
            self._until.popitem(last=False)

    def __contains__(self, key: Hashable) -> bool:
        until = self._until.get(key)
        return until is not None and until > self.clock()

    def __len__(self) -> int:
        return len(self._until)


class ReplicaRouter:
    """The primary and the replica, what is known of the replica's health and lag, and the sticky window."""

    def __init__(
        self,
        primary: AsyncEngine,
        replica: AsyncEngine,
        *,
        sticky_seconds: float,
        max_lag_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.replica = primary, replica
        self.primary_bind: Engine = read_bind(primary).sync_engine
        self.replica_bind: Engine = read_bind(replica).sync_engine
        self.sticky = StickyWindow(sticky_seconds, clock=clock)
        self.max_lag = max_lag_seconds
        self.clock = clock
        self.lag = 0.0
        self.down_until = 0.0
        self._next_sample = 0.0
        self.on_route: Callable[[str], None] | None = None  # the metrics' counter, when on
        event.listen(replica.sync_engine, "handle_error", self._on_error)

    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """Request sessions: routed per statement by `bind`, falling back to the primary on a failed connect."""
        watch_catalogue_writes()
        routed = type("RoutedSession", (RoutedSession,), {"router": self})
        return async_sessionmaker(
            read_bind(self.primary),
            class_=SerialSession,
            sync_session_class=routed,
            expire_on_commit=False,
            autoflush=False,
        )

    def bind(self, info: dict[Any, Any]) -> Engine:
        target = info.get(TARGET)
        if target is None:
            now = self.clock()
            down = now < self.down_until
            if not down and self.max_lag is not None and now >= self._next_sample:
                self._next_sample = now + LAG_SAMPLE_SECONDS
                self.lag = self._sample_lag()
                down = self.clock() < self.down_until
            target = info[TARGET] = choose(replica_down=down, lag=self.lag, max_lag=self.max_lag)
        return self.replica_bind if target == REPLICA else self.primary_bind

    def _sample_lag(self) -> float:
        try:
            with self.replica.sync_engine.connect() as conn:
                value = conn.exec_driver_sql(LAG_SQL).scalar()
        except CONNECT_ERRORS as e:
            self.failed(e)
            return self.lag
        lag = float(value or 0.0)
        if self.max_lag is not None and (lag > self.max_lag) != (self.lag > self.max_lag):
            log.warning("Replica lag %.1f s: reads go to the %s.", lag, PRIMARY if lag > self.max_lag else REPLICA)
        return lag

    def failed(self, error: BaseException) -> None:
        """The replica did not answer: send reads to the primary for the next `OUTAGE_SECONDS`."""
        now = self.clock()
        if now >= self.down_until:
            log.warning(
                "Replica unreachable (%s): reads go to the primary for %.0f s.", type(error).__name__, OUTAGE_SECONDS
            )
        self.down_until = now + OUTAGE_SECONDS

    def _on_error(self, context: Any) -> None:
        if context.is_disconnect:  # mid-request: this request fails, the next ones read the primary
            self.failed(context.original_exception)

    def routed(self, target: str) -> None:
        if self.on_route is not None:
            self.on_route(target)


class RoutedSession(Session):
    """A session whose statements go where `session.info[TARGET]` says (`ReplicaRouter.bind`)."""

    router: ReplicaRouter  # set on the class `ReplicaRouter.sessions` makes

    def get_bind(self, *_args: Any, **_kw: Any) -> Engine:
        return self.router.bind(self.info)

    def _connection_for_bind(self, engine: Any, execution_options: Any = None, **kw: Any) -> Connection:
        router = self.router
        try:
            conn = super()._connection_for_bind(engine, execution_options, **kw)
        except CONNECT_ERRORS as e:
            if engine is not router.replica_bind:
                raise
            router.failed(e)
            self.info[TARGET] = PRIMARY
            engine = router.primary_bind
            conn = super()._connection_for_bind(engine, execution_options, **kw)
        router.routed(REPLICA if engine is router.replica_bind else PRIMARY)
        return conn


def router_of(session: AsyncSession) -> ReplicaRouter | None:
    sync = session.sync_session
    return sync.router if isinstance(sync, RoutedSession) else None


async def use_primary(session: AsyncSession) -> None:
    """The session's statements go to the primary from now on; a read transaction the replica
    holds for it is ended first, which hands its connection back."""
    if session.info.get(TARGET) == REPLICA and session.in_transaction():
        await session.rollback()
    session.info[TARGET] = PRIMARY


def writing(session: AsyncSession) -> None:
    """A unit of work is about to write: the primary, for the transaction and the reads after it.
    (The unit of work ends any read transaction itself before it begins its own.)"""
    session.info[TARGET] = PRIMARY
    session.info[WROTE] = True


async def route_for(session: AsyncSession, principal: Principal, *, writes: bool) -> None:
    """Before an operation on a routed session: the primary when the operation writes (a mutation, or
    reads what just committed) or its caller wrote within the sticky window; else as `bind` decides."""
    router = router_of(session)
    if router is None:
        return
    key = principal_key(principal)
    if writes or (key is not None and key in router.sticky):
        await use_primary(session)


def after_operation(session: AsyncSession, principal: Principal) -> None:
    """After an operation: a caller whose operation wrote reads the primary for the sticky window."""
    router = router_of(session)
    if router is not None and session.info.get(WROTE) and (key := principal_key(principal)) is not None:
        router.sticky.remember(key)


async def look_again_on_primary(session: AsyncSession) -> bool:
    """A lookup found nothing on the replica (an account made a moment ago, say): True when the caller
    should look again, now on the primary. The replica is behind for this caller, so the sticky window
    remembers them after the operation, as if they had written."""
    if router_of(session) is None or session.info.get(TARGET) != REPLICA:
        return False
    await use_primary(session)
    session.info[WROTE] = True
    return True
