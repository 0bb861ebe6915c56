"""`DATABASE_REPLICA_URL` against a real streaming replica (`.ci/pg-replica`, which `.ci/run` starts and
which names it in REPLICA_TEST_PRIMARY_URL and REPLICA_TEST_REPLICA_URL; skipped without them).

Each statement is counted on the engine it ran on, so a test sees which database served what: queries
the replica, mutations the primary, a writer's next reads the primary; with the replica's replay paused
(`pg_wal_replay_pause()`) the writer still reads its write, another reader does not until replay
resumes; with the replica behind a proxy that the test closes, reads fall back to the primary without
an error, and go back to the replica once it answers again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from api.app import build_services, create_app
from api.events import LocalBus
from api.settings import Settings
from db.engine import PING_AFTER_IDLE_SECONDS, create_engine
from db.migrations import upgrade
from db.replica import OUTAGE_SECONDS, ReplicaRouter
from domain.access.model import StaffRole
from schema.subscriptions import Live
from tests import postgres
from tests.conftest import TEST_SECRET
from tests.helpers import GraphQLClient, StatementCounter, until, view_of

PRIMARY_ENV, REPLICA_ENV = "REPLICA_TEST_PRIMARY_URL", "REPLICA_TEST_REPLICA_URL"
pytestmark = pytest.mark.skipif(
    not (os.environ.get(PRIMARY_ENV) and os.environ.get(REPLICA_ENV)),
    reason=f'no streaming replica: `eval "$(.ci/pg-replica start DIR)"` sets {PRIMARY_ENV} and {REPLICA_ENV}',
)

CATEGORIES = "{ categories(first: 100) { edges { node { slug } } } }"
CREATE = "mutation($n: String!) { categoryCreate(input: {name: $n}) { category { slug } userErrors { code } } }"


@dataclass
class Replicated:
    primary_url: str
    replica_url: str


async def _scalar(url: str, sql: str) -> Any:
    engine = create_engine(url, pool_size=2)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(sql))).scalar()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def replicated() -> AsyncIterator[Replicated]:
    """A migrated database on the private primary, once the replica has replayed it."""
    async with postgres.throwaway_database("omnishop_replica", os.environ[PRIMARY_ENV]) as primary_url:
        engine = create_engine(primary_url, pool_size=2)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        name = make_url(primary_url).database
        replica_url = make_url(os.environ[REPLICA_ENV]).set(database=name).render_as_string(hide_password=False)
        assert await _scalar(os.environ[REPLICA_ENV], "SELECT pg_is_in_recovery()") is True

        async def migrated() -> bool:
            try:
                return await _scalar(replica_url, "SELECT count(*) FROM alembic_version") == 1
            except Exception:  # the database is not there yet
                return False

        await until(migrated, "the replica replaying the migrations", seconds=30)
        yield Replicated(primary_url, replica_url)


@dataclass
class Served:
    client: GraphQLClient
    router: ReplicaRouter
    primary: StatementCounter
    replica: StatementCounter

    def reset(self) -> None:
        self.primary.reset()
        self.replica.reset()


@asynccontextmanager
async def serving(primary_url: str, replica_url: str, **settings: Any) -> AsyncIterator[Served]:
    app = create_app(
        Settings(
            database_url=primary_url,
            database_replica_url=replica_url,
            secret_key=TEST_SECRET,
            password_time_cost=1,
            password_memory_kib=8,
            order_expiry_interval=0,
            reports_interval=0,
            response_cache=False,
            _env_file=None,
            **settings,
        )  # type: ignore[call-arg]
    )
    async with app.router.lifespan_context(app):
        state = view_of(app).state
        assert state.router is not None and state.engine is not None
        served = Served(GraphQLClient(httpx.AsyncClient()), state.router, StatementCounter(), StatementCounter())
        listening = [(state.engine, served.primary), (state.router.replica, served.replica)]
        for engine, counter in listening:
            sa.event.listen(engine.sync_engine, "before_cursor_execute", counter)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            served.client = GraphQLClient(http)
            try:
                yield served
            finally:
                for engine, counter in listening:
                    sa.event.remove(engine.sync_engine, "before_cursor_execute", counter)


async def _staff(served: Served, replicated: Replicated, *, replayed: bool = True) -> str:
    """A head-office admin's token (and, when `replayed`, once the replica knows the account)."""
    engine = create_engine(replicated.primary_url, pool_size=2)
    try:
        token = await served.client.staff_token(engine, StaffRole.ADMIN, f"admin-{uuid.uuid4().hex[:8]}@example.com")
    finally:
        await engine.dispose()
    if replayed:
        await _caught_up(replicated.primary_url, replicated.replica_url)
    return token


async def _caught_up(primary_url: str, replica_url: str) -> None:
    lsn = await _scalar(primary_url, "SELECT pg_current_wal_lsn()::text")
    sql = f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"
    await until(lambda: _scalar(replica_url, sql), "the replica catching up", seconds=30)


async def _slugs(served: Served, token: str | None = None) -> set[str]:
    data = await served.client.data(CATEGORIES, token=token)
    return {edge["node"]["slug"] for edge in data["categories"]["edges"]}


async def _create(served: Served, token: str, name: str) -> str:
    payload = (await served.client.data(CREATE, {"n": name}, token=token))["categoryCreate"]
    assert payload["userErrors"] == [] and payload["category"] is not None, payload
    slug: str = payload["category"]["slug"]
    return slug


@asynccontextmanager
async def replay_paused(replica_url: str) -> AsyncIterator[None]:
    await _scalar(replica_url, "SELECT pg_wal_replay_pause()::text")
    try:
        yield
    finally:
        await _scalar(replica_url, "SELECT pg_wal_replay_resume()::text")


async def test_queries_read_the_replica_and_mutations_write_the_primary(replicated: Replicated) -> None:
    async with serving(replicated.primary_url, replicated.replica_url, database_replica_sticky_seconds=0) as served:
        token = await _staff(served, replicated)  # signs in: a mutation that reads the account, then writes
        assert served.primary.count > 0 and served.replica.count == 0
        served.reset()
        await _slugs(served)
        assert served.replica.count > 0 and served.primary.count == 0
        served.reset()
        await _slugs(served, token)
        assert served.replica.count > 0 and served.primary.count == 0  # the staff token's account read too
        served.reset()
        await _create(served, token, f"Routed {uuid.uuid4().hex[:6]}")
        assert any(s.lstrip().upper().startswith("INSERT INTO CATEGORIES") for s in served.primary.statements)
        # the token's account is read before the operation is known; everything after it on the primary
        assert [s for s in served.replica.statements if "categor" in s.lower()] == []
        assert all(s.lstrip().upper().startswith("SELECT") for s in served.replica.statements)


async def test_a_writer_reads_its_writes_while_the_replica_lags_and_others_catch_up(replicated: Replicated) -> None:
    async with serving(replicated.primary_url, replicated.replica_url, database_replica_sticky_seconds=60) as served:
        token = await _staff(served, replicated)
        async with replay_paused(replicated.replica_url):
            slug = await _create(served, token, f"Lagging {uuid.uuid4().hex[:6]}")  # its payload read it back
            served.reset()
            assert slug in await _slugs(served, token)  # the writer's next request: the primary
            assert served.primary.count > 0 and served.replica.count == 1  # only the token's account
            assert slug not in await _slugs(served)  # another reader: the paused replica, stale (documented)
            assert len(served.router.sticky) == 1  # the writer
        await until(lambda: _has(served, slug), "another reader seeing the write once replay resumes")


async def _has(served: Served, slug: str) -> bool:
    return slug in await _slugs(served)


async def test_a_member_signed_up_a_moment_ago_is_known_though_the_replica_is_behind(replicated: Replicated) -> None:
    async with serving(replicated.primary_url, replicated.replica_url) as served, replay_paused(replicated.replica_url):
        token = await _staff(served, replicated, replayed=False)
        served.reset()
        assert await _slugs(served, token) is not None  # not "revoked": the account is read again, on the primary
        assert any("staff" in s.lower() for s in served.primary.statements)


async def test_too_much_lag_sends_every_read_to_the_primary(replicated: Replicated) -> None:
    async with serving(
        replicated.primary_url,
        replicated.replica_url,
        database_replica_max_lag_seconds=0.5,
        database_replica_sticky_seconds=0,
    ) as served:
        token = await _staff(served, replicated)
        async with replay_paused(replicated.replica_url):
            slug = await _create(served, token, f"Behind {uuid.uuid4().hex[:6]}")
            await asyncio.sleep(1.1)  # past the maximum lag, and past the last sample's second
            assert slug in await _slugs(served)  # an anonymous reader too: the replica is too far behind
            assert served.router.lag > 0.5
        await _caught_up(replicated.primary_url, replicated.replica_url)
        await asyncio.sleep(1.1)
        served.reset()
        assert slug in await _slugs(served)
        assert served.replica.count > 0 and served.primary.count == 0


class Proxy:
    """A TCP proxy in front of the replica that the test can close (the replica is down) and open again."""

    def __init__(self, port: int) -> None:
        self.target, self.port = port, 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.close()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.links |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.links -= {writer, up_writer}


async def test_a_replica_that_is_down_sends_reads_to_the_primary_without_an_error(replicated: Replicated) -> None:
    replica = make_url(replicated.replica_url)
    assert replica.port is not None
    proxy = Proxy(replica.port)
    await proxy.open()
    proxied = replica.set(port=proxy.port).render_as_string(hide_password=False)
    async with serving(replicated.primary_url, proxied) as served:
        router = served.router
        await _slugs(served)
        assert served.replica.count > 0
        await proxy.close()  # the pooled connection breaks, and no new one can be made
        await asyncio.sleep(PING_AFTER_IDLE_SECONDS)  # between requests: the pool pings it before use
        served.reset()
        for _ in range(3):
            body = await served.client.post(CATEGORIES)
            assert "errors" not in body, body
        assert served.primary.count >= 3 and router.down_until > router.clock()
        router.down_until -= OUTAGE_SECONDS  # as if the outage's memory had run out
        await proxy.open()
        served.reset()
        await _slugs(served)
        assert served.replica.count > 0 and served.primary.count == 0  # tried again, and back
    await proxy.close()


async def test_a_subscription_reads_its_events_on_the_primary(replicated: Replicated) -> None:
    """An event is published once its transaction committed on the primary: a replica a moment behind
    would send the state before the change. The subscription's first check may read the replica."""
    async with serving(replicated.primary_url, replicated.replica_url) as served:
        live = Live(LocalBus(), served.router.sessions())
        context = live.context(build_services(Settings(secret_key=TEST_SECRET, _env_file=None)))  # type: ignore[call-arg]
        for event, recovering in ((False, True), (True, False)):
            async with live.snapshot(context, event=event):
                assert await context.session.scalar(sa.text("SELECT pg_is_in_recovery()")) is recovering


async def test_the_metrics_count_statements_by_database(replicated: Replicated) -> None:
    async with serving(replicated.primary_url, replicated.replica_url, metrics=True) as served:
        await _slugs(served)
        await _staff(served, replicated, replayed=False)  # signs in: the primary
        text = (await served.client.http.get("/metrics")).text
        counted = {
            line.split('"')[1]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("omnishop_db_routed_statements_total{")
        }
        assert counted["replica"] >= 1 and counted["primary"] >= 1
