"""Helpers for tests: a GraphQL client over httpx, a SQL statement counter, staff accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from api.adapters.passwords import Argon2Hasher
from api.events import BACKGROUND
from db.engine import create_session_factory
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.accounts.services import create_staff

STAFF_PASSWORD = "staff-pass-123"


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    token: str | None = None

    async def post(self, query: str, variables: dict[str, Any] | None = None, *,
                   token: str | None = None) -> dict[str, Any]:
        """POST a GraphQL request and return the JSON body (whatever the status)."""
        bearer = token or self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                        headers=headers)
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, *,
                   token: str | None = None) -> dict[str, Any]:
        """POST and insist there were no top-level errors."""
        body = await self.post(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    async def staff_token(self, engine: AsyncEngine, role: StaffRole = StaffRole.ADMIN,
                          email: str | None = None, location_id: int | None = None) -> str:
        """Create a staff user with `role` (working at `location_id`, if given) and sign in through the graph."""
        email = email or f"{role.value}@example.com"
        async with create_session_factory(engine)() as session:
            uow = SqlUnitOfWork(session)
            async with uow.transaction():
                await create_staff(uow, Argon2Hasher(time_cost=1, memory_cost=8), email, role.value, role,
                                   STAFF_PASSWORD, location_id=location_id)
        data = await self.data(
            "mutation($e: String!, $p: String!) { staffTokenCreate(input: {email: $e, password: $p}) "
            "{ accessToken userErrors { code } } }", {"e": email, "p": STAFF_PASSWORD})
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
