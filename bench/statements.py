"""SQL statements and fields resolved by graphql-core per request, counted in-process.

The server under load runs in another process, and PostgreSQL here has no pg_stat_statements, so
the count comes from a second, in-process instance of the app on the same database: the same
requests go through httpx's ASGI transport while a `before_cursor_execute` listener counts what
SQLAlchemy sends (transaction control and the outbox relay left out). It works the same on SQLite and
PostgreSQL. The fields graphql-core resolves itself (`execute_field`, about 3 µs each) are counted beside
them: what the executor's plans (schema/execution.py) complete is not among them.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.events import BACKGROUND
from api.settings import Settings
from db.engine import create_engine
from schema.execution import SyncCompletion

Request = tuple[str, dict[str, Any]]  # GraphQL document and variables
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Probe:
    """An in-process client whose requests' SQL statements are counted."""

    client: httpx.AsyncClient
    app: Any  # the ASGI app behind `client` (benches may call it directly)
    engine: AsyncEngine
    seen: list[str] = field(default_factory=list)
    fields: int = 0  # resolved by graphql-core since the last `take`

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, operation: str | None = None
    ) -> dict[str, Any]:
        payload = {"query": query, "variables": variables or {}, "operationName": operation}
        response = await self.client.post("/graphql", json=payload)
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or "errors" in body:
            raise RuntimeError(f"statement probe failed: {response.text[:500]}")
        data: dict[str, Any] = body["data"]
        return data

    def take(self) -> int:
        """Statements since the last call."""
        n = len(self.seen)
        self.seen.clear()
        self.fields = 0
        return n


@dataclass(frozen=True)
class PerRequest:
    statements: float
    graphql_core_fields: float


@asynccontextmanager
async def probe(database_url: str, **settings: Any) -> AsyncIterator[Probe]:
    """An in-process app on `database_url` (with these `settings` besides the probe's own)."""
    engine = create_engine(database_url)
    configured = Settings(
        database_url=database_url,
        secret_key=SecretStr(secrets.token_urlsafe(48)),
        order_expiry_interval=0,
        rate_limit=False,
        _env_file=None,
        **settings,
    )
    app = create_app(configured, engine=engine)
    execute_field = SyncCompletion.execute_field
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            counter = Probe(client, app, engine)

            def count(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, *_args: Any) -> None:
                if context is not None and context.execution_options.get(BACKGROUND):
                    return  # the outbox relay's, published after a request's commit, not the request's
                if not statement.lstrip().upper().startswith(CONTROL):
                    counter.seen.append(statement)

            def counted(context: SyncCompletion, *args: Any) -> Any:
                counter.fields += 1
                return execute_field(context, *args)

            event.listen(engine.sync_engine, "before_cursor_execute", count)
            SyncCompletion.execute_field = counted  # type: ignore[method-assign,assignment]
            yield counter
    finally:
        SyncCompletion.execute_field = execute_field  # type: ignore[method-assign]
        await engine.dispose()


async def per_request(
    database_url: str, requests: Sequence[Request], *, operation: str | None = None, warmup: int = 2
) -> PerRequest:
    """Mean statements and graphql-core fields per request over `requests` (of `operation`), after
    `warmup` unmeasured ones (the first fill caches that a running server has already filled)."""
    async with probe(database_url) as counter:
        for query, variables in list(requests[:1]) * warmup:
            await counter.post(query, variables, operation)
        counter.take()
        for query, variables in requests:
            await counter.post(query, variables, operation)
        fields = counter.fields
        return PerRequest(counter.take() / len(requests), fields / len(requests))
