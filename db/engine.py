"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg).

On PostgreSQL, the API's sessions read outside any transaction (autocommit): under READ
COMMITTED every statement takes its own snapshot anyway, so a read-only request loses nothing
and saves the BEGIN and ROLLBACK round trips. A unit of work that writes asks for a transaction
(`write_options`), which switches its connection back to READ COMMITTED before BEGIN.

Pooled PostgreSQL connections are pinged before use only when they sat idle for a second or
more: a database restart or a dropped connection is noticed (and the connection replaced) after
any pause, while a busy server does not pay a round trip per request as `pool_pre_ping` would.

The pool opens its `pool_size` connections as they are needed and keeps them: no overflow. An overflow
connection is closed as soon as the pool holds enough idle ones, so a load rising and falling around the
pool's size opened and closed connections all the time, each a new PostgreSQL backend with cold
catalogue caches and every statement to prepare and plan again (docs/performance.md, the flash sale).

Behind PgBouncer in transaction mode (`?pgbouncer=true` in the URL) a client connection is lent a
server connection for one transaction at a time, so nothing may outlive a transaction. asyncpg's
statements are then unnamed and not cached: a named one stays on a server connection this client may
not get back, where it collides with another client's statement of the same number, or (unique names)
piles up for the server connection's lifetime; an unnamed one is replaced by the next, and asyncpg
sends it again with its execution. Reads run inside a transaction too, so that a request's statements
go to one server connection.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from db.catalogue_changes import watch_catalogue_writes
from db.sql import dialect_name

# Execution option a unit of work sets on the connection of a write transaction.
WRITE_OPTION = "omnishop_write"
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "omnishop_idle_since"
# The URL's query parameter saying PgBouncer (transaction mode) stands between us and PostgreSQL, and the
# engine's execution option that remembers it (create_session_factory reads it).
PGBOUNCER_PARAM = "pgbouncer"
PGBOUNCER_OPTION = "omnishop_pgbouncer"
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a SQLite writer waits for the write lock before "database is locked"


def database_busy(error: BaseException | None) -> bool:
    """SQLite gave up waiting for its write lock: the statement did nothing, and trying again later
    can succeed (the response says so with a code instead of an internal error)."""
    return isinstance(error, exc.OperationalError) and "database is locked" in str(error.orig)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers instead of
    # failing them at once; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the driver's implicit BEGIN cannot
    # be made IMMEDIATE).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    # A write transaction takes the write lock up front: a deferred one that reads first
    # and writes later can fail with "database is locked" instead of waiting its turn.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
    conn.exec_driver_sql(mode)


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dialect: Any) -> Callable[[Any, Any, Any], None]:
    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_IDLE_SINCE, 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as e:  # the pool replaces the connection and tries again
            raise exc.DisconnectionError(f"idle connection failed its ping: {e}") from e

    return checkout


class WatchedPool(AsyncAdaptedQueuePool):
    """The PostgreSQL pool, telling `on_wait` (the metrics, when on) how many seconds a checkout waited
    because every connection was taken: pool events see checkouts and checkins, not the wait."""

    on_wait: Callable[[float], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = self.size() + max(0, kwargs.get("max_overflow", 10))

    def _do_get(self) -> ConnectionPoolEntry:
        on_wait = self.on_wait
        if on_wait is None or self.checkedout() < self.capacity:
            return super()._do_get()
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            on_wait(time.perf_counter() - started)


def _unnamed_statement() -> str:
    """The unnamed prepared statement: nothing of it outlives the exchange that executes it."""
    return ""


def split_pgbouncer(url: str) -> tuple[URL, bool]:
    """The URL without its `pgbouncer` parameter (asyncpg would take it for a server setting), and
    whether it said PgBouncer in transaction mode is in front of the database."""
    parsed = make_url(url)
    value = parsed.query.get(PGBOUNCER_PARAM)
    if value is None:
        return parsed, False
    text = (value if isinstance(value, str) else value[-1]).strip().lower()
    if text not in _TRUE + _FALSE:
        raise ValueError(f"DATABASE_URL: pgbouncer={text!r} must be true or false")
    return parsed.difference_update_query([PGBOUNCER_PARAM]), text in _TRUE


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 20, connect_timeout: float | None = None
) -> AsyncEngine:
    """`connect_timeout` (PostgreSQL): seconds a new connection may take (asyncpg's default is 60)."""
    parsed, pgbouncer = split_pgbouncer(normalize_url(url))
    url = parsed.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    pooled: dict[str, Any] = {}
    connect_args: dict[str, Any] = {} if connect_timeout is None else {"timeout": connect_timeout}
    if pgbouncer:
        connect_args.update(
            statement_cache_size=0,  # asyncpg's own cache of prepared statements
            prepared_statement_cache_size=0,  # SQLAlchemy's, in its asyncpg adapter
            prepared_statement_name_func=_unnamed_statement,
        )
        pooled["execution_options"] = {PGBOUNCER_OPTION: True}
    if connect_args:
        pooled["connect_args"] = connect_args
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        skip_autocommit_rollback=True,
        poolclass=WatchedPool,
        hide_parameters=True,  # an error's message (logged with its traceback) never quotes a member's data
        **pooled,
    )
    event.listen(engine.sync_engine.pool, "connect", _mark_idle)
    event.listen(engine.sync_engine.pool, "checkin", _mark_idle)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle(engine.dialect))
    return engine


def write_options(session: AsyncSession) -> dict[str, Any]:
    """Execution options for the connection of a write transaction: SQLite's BEGIN IMMEDIATE, and on
    PostgreSQL a real transaction even in a session that reads in autocommit."""
    options: dict[str, Any] = {WRITE_OPTION: True}
    if dialect_name(session) == "postgresql":
        options["isolation_level"] = "READ COMMITTED"
    return options


class SerialSession(AsyncSession):
    """An AsyncSession that runs one operation at a time.

    GraphQL resolves sibling fields concurrently, but a session is one connection in one
    transaction and must not be entered twice at once. Dataloaders keep the number of
    operations per request small, so queuing them costs nothing measurable.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = asyncio.Lock()


def _one_at_a_time(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def wrapper(self: SerialSession, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await method(self, *args, **kwargs)

    return wrapper


# The methods that touch the connection; the others (scalars, stream_scalars, __aexit__...)
# call these, so wrapping them again would deadlock.
for _name in (
    "execute",
    "scalar",
    "get",
    "get_one",
    "stream",
    "delete",
    "merge",
    "flush",
    "refresh",
    "run_sync",
    "connection",
    "commit",
    "rollback",
    "close",
    "invalidate",
):
    setattr(SerialSession, _name, _one_at_a_time(getattr(AsyncSession, _name)))


def create_session_factory(engine: AsyncEngine, *, autocommit_reads: bool = False) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; with `autocommit_reads`, PostgreSQL reads run outside a transaction
    until a unit of work writes (see the module's docstring), unless PgBouncer is in front."""
    watch_catalogue_writes()  # sessions note catalogue and stock writes for the response cache
    bind = read_bind(engine) if autocommit_reads else engine
    return async_sessionmaker(bind, class_=SerialSession, expire_on_commit=False, autoflush=False)


def read_bind(engine: AsyncEngine) -> AsyncEngine:
    """What a request's session reads through: on PostgreSQL without PgBouncer, autocommit."""
    if engine.dialect.name == "postgresql" and not engine.get_execution_options().get(PGBOUNCER_OPTION, False):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine
