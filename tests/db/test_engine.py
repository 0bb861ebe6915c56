"""Sessions and connections: PostgreSQL reads outside a transaction, writes inside one, and a
connection the server dropped is replaced before a request uses it."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

import db.engine
from db.engine import create_engine, create_session_factory
from db.models import Channel
from db.uow import SqlUnitOfWork


def _postgres_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("autocommit reads and idle pings are PostgreSQL's")


async def _in_transaction(session: sa.ext.asyncio.AsyncSession) -> bool:
    raw = await (await session.connection()).get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())


async def test_reads_run_outside_a_transaction_and_writes_inside_one(engine: AsyncEngine) -> None:
    _postgres_only(engine)
    async with create_session_factory(engine, autocommit_reads=True)() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 0
        assert not await _in_transaction(session)
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            session.add(Channel(slug="web", name="Web", currency="CNY", kind="PC", ownership="DIRECT"))
            await session.flush()
            assert await _in_transaction(session)
        assert await session.scalar(sa.select(Channel.slug)) == "web"


async def test_a_failed_write_after_autocommit_reads_leaves_nothing(engine: AsyncEngine) -> None:
    _postgres_only(engine)
    async with create_session_factory(engine, autocommit_reads=True)() as session:
        await session.scalar(sa.select(sa.func.count()).select_from(Channel))
        uow = SqlUnitOfWork(session)
        with pytest.raises(RuntimeError):
            async with uow.transaction():
                session.add(Channel(slug="web", name="Web", currency="CNY", kind="PC", ownership="DIRECT"))
                await session.flush()
                raise RuntimeError("the use case failed after writing")
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Channel)) == 0


async def test_a_connection_the_server_dropped_is_replaced_after_a_pause(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(engine)
    monkeypatch.setattr(db.engine, "PING_AFTER_IDLE_SECONDS", 0.05)
    own = create_engine(engine.url.render_as_string(hide_password=False), pool_size=2)
    try:
        async with own.connect() as conn:
            pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
        async with engine.connect() as admin:  # what a database restart does to every connection
            assert await admin.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.1)
        async with own.connect() as conn:
            assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid
    finally:
        await own.dispose()


async def test_connections_opened_under_load_are_kept_for_the_next(engine: AsyncEngine) -> None:
    """No overflow to close: a load that falls and rises again meets the backends it opened, not new
    ones (each new one pays its start, cold catalogue caches and every statement prepared again)."""
    _postgres_only(engine)
    own = create_engine(engine.url.render_as_string(hide_password=False), pool_size=4)
    try:

        async def backends() -> set[int]:
            connections = [await own.connect() for _ in range(4)]
            try:
                return {await c.scalar(sa.text("SELECT pg_backend_pid()")) for c in connections}
            finally:
                for c in connections:
                    await c.close()

        first = await backends()
        async with own.connect() as alone:  # the load falls to one request
            await alone.scalar(sa.text("SELECT 1"))
        assert await backends() == first and len(first) == 4
    finally:
        await own.dispose()
