"""The `/graphql` endpoint: strawberry's ASGI view with our request context and JSON encoding.

Per HTTP request: authenticate the bearer token once, open one database session, build a
fresh set of dataloaders, execute, and close the session whatever happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from api.auth import AuthenticationFailed, Authenticator
from schema.context import Context
from schema.loaders import Loaders

if TYPE_CHECKING:
    from api.app import AppState


class GraphQLView(GraphQL):  # type: ignore[type-arg]
    def __init__(self, schema: Any, state: AppState) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.state = state
        self.auth = Authenticator(state.services.tokens)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        assert self.state.sessions is not None
        async with self.state.sessions() as session:
            try:
                principal = await self.auth.principal(request.headers.get("authorization"), session)
            except AuthenticationFailed as e:
                response: Response = _unauthenticated(str(e))
            else:
                context = Context(
                    session=session, principal=principal, services=self.state.services, loaders=Loaders(session)
                )
                try:
                    response = await self.run(request, context=context)
                except HTTPException as e:
                    response = PlainTextResponse(e.reason, status_code=e.status_code)
        await response(scope, receive, send)


def _unauthenticated(message: str) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]})
    return Response(
        body,
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
