"""Many writers at once, also on the embedded SQLite database (one writer at a time): they queue in
the server instead of failing with SQLite's "database is locked", and a slow step (checking a
password) does not hold the write transaction open."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

import db.engine
from api.adapters.passwords import Argon2Hasher
from api.app import create_app
from api.settings import Settings
from db.demo import seed_demo
from db.engine import create_engine
from db.migrations import upgrade
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

REGISTER = """mutation($e: String!) { memberRegister(input: {email: $e, name: "Burst", password: "s3cret-pass-9"}) {
  member { email } userErrors { code } } }"""


async def test_a_burst_of_writers_all_get_their_answer(client: GraphQLClient) -> None:
    emails = [f"burst{i}@example.com" for i in range(120)]
    bodies = await asyncio.gather(*(client.post(REGISTER, {"e": e}) for e in emails))
    assert [b.get("errors") for b in bodies] == [None] * len(emails)
    assert [b["data"]["memberRegister"]["userErrors"] for b in bodies] == [[]] * len(emails)
    assert sorted(b["data"]["memberRegister"]["member"]["email"] for b in bodies) == sorted(emails)


class GatedHasher(Argon2Hasher):
    """Checks passwords only when the test opens the gate: a slow sign-in, held for as long as needed."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8)
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.waiting.set()
        await self.gate.wait()
        return await super().verify(password_hash, password)


async def test_other_writers_go_on_while_a_sign_in_checks_its_password(engine: AsyncEngine, settings: Settings) -> None:
    app = create_app(settings, engine=engine)
    view = next(r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql")
    hasher = GatedHasher()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        client = GraphQLClient(http)
        await client.data(REGISTER, {"e": "first@example.com"})
        view.state.services = dataclasses.replace(view.state.services, hasher=hasher)
        sign_in = asyncio.create_task(
            client.post(
                """mutation { tokenCreate(input: {identifier: "first@example.com", password: "s3cret-pass-9"}) {
                 accessToken userErrors { code } } }"""
            )
        )
        await asyncio.wait_for(hasher.waiting.wait(), 5)
        # On SQLite a sign-in that held the write lock while checking would keep this waiting until
        # "database is locked".
        registered = await asyncio.wait_for(client.data(REGISTER, {"e": "second@example.com"}), 3)
        assert registered["memberRegister"]["userErrors"] == []
        hasher.gate.set()
        signed_in = (await sign_in)["data"]["tokenCreate"]
        assert signed_in["userErrors"] == [] and signed_in["accessToken"]


async def test_a_writer_that_cannot_get_sqlites_lock_is_told_to_retry_and_writes_nothing(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "busy.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        await seed_demo(engine, products=3, promotions=False)
        app = create_app(settings, engine=engine)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            client = GraphQLClient(http)
            other = sqlite3.connect(path)  # another process holding the write lock (a long import, say)
            other.execute("BEGIN IMMEDIATE")
            try:
                refused = await client.post(REGISTER, {"e": "late@example.com"})
            finally:
                other.rollback()
                other.close()
            [error] = refused["errors"]
            assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 1}
            assert error["path"] == ["memberRegister"] and refused["data"] is None
            retried = await client.data(REGISTER, {"e": "late@example.com"})
            assert retried["memberRegister"]["userErrors"] == []  # the refused attempt left nothing behind
    finally:
        await engine.dispose()
