"""Test fixtures: databases (SQLite always, PostgreSQL when reachable), the ASGI client, counters.

Database and API tests take the `engine` fixture, parametrised over both backends. Each
backend is migrated once per run (through Alembic, as production is); every test starts
from empty tables.

PostgreSQL: `OMNISHOP_TEST_POSTGRES_URL` names a server database to use (CI sets it); else
a throwaway database is created on the local server (tests/postgres.py) when it answers, and
dropped at the end. Without PostgreSQL those parametrisations are skipped.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.limits import shared_schema
from api.settings import Settings
from db.demo import seed_demo
from db.engine import create_engine
from db.migrations import upgrade
from db.models import Base, PublishedProductCount
from tests import postgres
from tests.helpers import GraphQLClient, StatementCounter

TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@asynccontextmanager
async def _postgres_database() -> AsyncIterator[str | None]:
    given = os.environ.get(postgres.ENV)
    if given:
        yield given
        return
    admin = postgres.admin_url()
    if not await postgres.reachable(admin):
        yield None
        return
    async with postgres.throwaway_database("omnishop_test", admin) as url:
        yield url


@pytest.fixture(scope="session")
async def engines(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, AsyncEngine | None]]:
    """One migrated engine per backend for the whole run (None where PostgreSQL is absent)."""
    sqlite = create_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/test.db")
    await upgrade(sqlite)
    async with _postgres_database() as url:
        postgres = None
        if url is not None:
            postgres = create_engine(url)
            async with postgres.begin() as conn:  # a reused CI database may hold an older run's tables
                await conn.execute(sa.text("DROP TABLE IF EXISTS product_search"))  # it refers to products
                await conn.run_sync(Base.metadata.drop_all)
                await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            await upgrade(postgres)
        try:
            yield {"sqlite": sqlite, "postgres": postgres}
        finally:
            await sqlite.dispose()
            if postgres is not None:
                await postgres.dispose()


# Every sequence of the schema back to its start, as a fresh database has them.
_RESTART_SEQUENCES = """SELECT count(setval(s.seqrelid, s.seqstart, false)) FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = current_schema()::regnamespace"""
_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"


async def truncate_all(engine: AsyncEngine) -> None:
    """Every table emptied and every id counter restarted. On PostgreSQL with DELETE rather than
    TRUNCATE: a test's few rows go in a few milliseconds, where TRUNCATE makes new files for ~240
    tables and indexes each time (0.5 to 1.5 s a test on a loaded CI machine)."""
    # The listings' triggers write the published counts as the listings go: those are emptied last.
    counts = PublishedProductCount.__tablename__
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != counts] + [counts]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            present = set((await conn.execute(sa.text(_TABLES))).scalars())
            # Tables only the migrations know (product_search) refer to the models' tables: they go first.
            ordered = [*sorted(present - set(tables)), *(t for t in tables if t in present)]
            deletes = "".join(f'DELETE FROM "{table}"; ' for table in ordered)
            await conn.execute(sa.text(f"DO $$ BEGIN {deletes}PERFORM ({_RESTART_SEQUENCES}); END $$"))
        else:
            await conn.execute(sa.text("UPDATE categories SET parent_id = NULL"))  # the tree refers to itself
            for table in tables:
                await conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request: pytest.FixtureRequest, engines: dict[str, AsyncEngine | None]) -> AsyncEngine:
    """A migrated, empty database on each backend (PostgreSQL skipped when unreachable)."""
    chosen = engines[request.param]
    if chosen is None:
        pytest.skip("PostgreSQL is not reachable")
    await truncate_all(chosen)
    return chosen


@pytest.fixture
def pg(engine: AsyncEngine) -> AsyncEngine:
    """`engine` on PostgreSQL only, for races (SQLite serialises every writer, so nothing races there)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("races are run on PostgreSQL (SQLite serialises every writer)")
    return engine


@pytest.fixture
def settings() -> Settings:
    # A rate-limit bucket no test empties (the flash sale has 1,000 buyers behind one address);
    # tests/api/test_rate_limits.py sets small ones. No response cache: fixtures write the database
    # directly, behind the API's back; tests/api/test_response_cache.py turns it on.
    return Settings(
        database_url="sqlite://",
        secret_key=TEST_SECRET,
        password_time_cost=1,
        password_memory_kib=8,
        debug=False,
        order_expiry_interval=0,
        reports_interval=0,  # tests feed the report rollups when they mean to (tests/api/test_report*.py)
        rate_limit_bucket=1_000_000,
        registrations_per_ip=0,  # tests register many members from one address
        response_cache=False,
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
async def client(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A client of the ASGI app, as a front end would call it."""
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)


@pytest.fixture
async def demo(engine: AsyncEngine) -> AsyncEngine:
    """The demo catalogue (60 products, channels `online` and `pos`) loaded, without the demo's running
    promotions and settlement rules, so tests price carts at list prices and add the promotions and
    rules they are about."""
    await seed_demo(engine, products=60, seed=1, promotions=False, settlement=False)
    return engine


@pytest.fixture
def fresh_schemas() -> Iterator[None]:
    """Apps built in the test get schemas of their own, and leave none behind: apps of one configuration
    share a schema, with the documents and plans earlier tests left in it (api/limits.py `schema_for`)."""
    shared_schema.cache_clear()
    yield
    shared_schema.cache_clear()


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    sa.event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    sa.event.remove(engine.sync_engine, "before_cursor_execute", counter)
