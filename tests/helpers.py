"""Helpers for tests: a GraphQL client over httpx, a SQL statement counter, staff accounts, waiting for
a condition, an app's GraphQL view, a clock the test moves."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Route

from api.adapters.passwords import Argon2Hasher
from api.events import BACKGROUND
from api.graphql_view import GraphQLView
from db.engine import create_session_factory
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.accounts.services import create_staff

STAFF_PASSWORD = "staff-pass-123"


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    token: str | None = None

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL request (of `operation` in the document, when named) and return the JSON body
        (whatever the status)."""
        bearer = token or self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        payload = {"query": query, "variables": variables or {}, "operationName": operation}
        response = await self.http.post("/graphql", json=payload, headers=headers)
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """POST and insist there were no top-level errors."""
        body = await self.post(query, variables, token=token, operation=operation)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    async def staff_token(
        self,
        engine: AsyncEngine,
        role: StaffRole = StaffRole.ADMIN,
        email: str | None = None,
        location_id: int | None = None,
    ) -> str:
        """Create a staff user with `role` (working at `location_id`, if given) and sign in through the graph."""
        email = email or f"{role.value}@example.com"
        async with create_session_factory(engine)() as session:
            uow = SqlUnitOfWork(session)
            async with uow.transaction():
                await create_staff(
                    uow,
                    Argon2Hasher(time_cost=1, memory_cost=8),
                    email,
                    role.value,
                    role,
                    STAFF_PASSWORD,
                    location_id=location_id,
                )
        data = await self.data(
            "mutation($e: String!, $p: String!) { staffTokenCreate(input: {email: $e, password: $p}) "
            "{ accessToken userErrors { code } } }",
            {"e": email, "p": STAFF_PASSWORD},
        )
        token: str = data["staffTokenCreate"]["accessToken"]
        return token


@dataclass
class StatementCounter:
    """Counts SQL statements sent to the database (a `before_cursor_execute` listener)."""

    statements: list[str] = field(default_factory=list)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, *_args: Any) -> None:
        if context is not None and context.execution_options.get(BACKGROUND):
            return  # the outbox relay's, not the request's
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


async def until(
    condition: Callable[[], bool | Awaitable[bool]], what: str = "the condition", seconds: float = 30
) -> None:
    """Wait until `condition` holds (checked every 10 ms), failing after `seconds`: a wait for a state,
    not a guess at how long something takes, so a loaded machine makes it slower but never wrong."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        held = condition()
        if await held if inspect.isawaitable(held) else held:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        await asyncio.sleep(0.01)


def view_of(app: Starlette) -> GraphQLView:
    """The app's GraphQL endpoint, whose `state` holds the stores (buckets, event bus)."""
    [view] = [r.endpoint for r in app.routes if isinstance(r, Route) and isinstance(r.endpoint, GraphQLView)]
    return view


@dataclass
class FakeClock:
    """A monotonic clock that stands still until the test moves it."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
