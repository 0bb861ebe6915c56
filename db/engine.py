"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.catalogue_changes import watch_catalogue_writes

# Execution option a unit of work sets on the connection of a write transaction.
WRITE_OPTION = "omnishop_write"


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers instead of
    # failing them at once; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
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


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                               pool_pre_ping=True)


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
for _name in ("execute", "scalar", "get", "get_one", "stream", "delete", "merge", "flush", "refresh",
              "run_sync", "connection", "commit", "rollback", "close", "invalidate"):
    setattr(SerialSession, _name, _one_at_a_time(getattr(AsyncSession, _name)))


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    watch_catalogue_writes()  # sessions note catalogue and stock writes for the response cache
    return async_sessionmaker(engine, class_=SerialSession, expire_on_commit=False, autoflush=False)
