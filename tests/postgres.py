"""PostgreSQL for tests: which server, whether it answers, throwaway databases on it.

`OMNISHOP_TEST_POSTGRES_URL` names the server (CI sets it); else it is postgres@127.0.0.1:5432.
Without a server, PostgreSQL cases are skipped, unless the variable says one should answer (then
they fail rather than pass by skipping).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from db.engine import create_engine

ENV = "OMNISHOP_TEST_POSTGRES_URL"
LOCAL_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The `postgres` database of the server named by OMNISHOP_TEST_POSTGRES_URL, or the local one."""
    given = os.environ.get(ENV)
    if not given:
        return LOCAL_ADMIN_URL
    return (
        make_url(given).set(drivername="postgresql+asyncpg", database="postgres").render_as_string(hide_password=False)
    )


async def reachable(url: str) -> bool:
    engine = create_engine(url, pool_size=2)
    try:
        async with engine.connect() as conn:
            await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 3)
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


async def require_server() -> str:
    """The admin URL of a server that answers; skips the test (fails it when one was promised) otherwise."""
    url = admin_url()
    if not await reachable(url):
        if os.environ.get(ENV):
            pytest.fail(f"{ENV} is set but {url} does not answer")
        pytest.skip("PostgreSQL is not reachable")
    return url


@asynccontextmanager
async def throwaway_database(prefix: str, admin: str) -> AsyncIterator[str]:
    """Create `<prefix>_<hex>` on the server of `admin`, yield its URL, drop it WITH (FORCE)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, pool_size=2).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin).set(database=name).render_as_string(hide_password=False)
        finally:
            async with engine.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()
