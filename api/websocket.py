"""The WebSocket side of `/graphql`: subscriptions only, over `graphql-transport-ws` or the legacy
`graphql-ws` (the default of Python's `gql`), under the same rules as HTTP.

- A socket runs subscriptions, what the contract promises, and nothing else: a query or mutation
  gets an `error` for its id (code BAD_REQUEST) saying to send it with HTTP POST. It never runs, so
  it cannot hold a database session, nor step around what HTTP applies to it (the sign-in limits,
  the response cache's invalidation).
- A subscription passes the schema's limits (tokens, depth, aliases, cost) before anything runs,
  and its cost is charged to the caller's bucket, as an HTTP operation's is.
- No pooled connection outlives an event: between events the socket's context holds a session
  bound to nothing; each event is read in a session of its own (schema/subscriptions.py, `Live`),
  given back once the event's fields are resolved, before it is sent, so a client that reads
  slowly holds no connection.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import PreExecutionError

from schema.context import Context
from schema.errors import ErrorCode

KINDS = {"query": "Queries", "mutation": "Mutations"}


class TextWebSocket(ASGIWebSocketAdapter):
    """Both protocols' messages are text frames; `encode_json` makes bytes (for HTTP bodies)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def _refusal(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if not isinstance(original, InvalidOperationTypeError):
        return error
    kind = KINDS.get(original.operation_type.value, "Operations")
    return GraphQLError(
        f"{kind} are not served over WebSocket, which carries subscriptions only: send them with HTTP POST /graphql.",
        extensions={"code": ErrorCode.BAD_REQUEST.value},
    )


async def _served(results: AsyncGenerator[Any, None], context: Context) -> AsyncGenerator[Any, None]:
    """A subscription's results as the socket sends them: the refusal of a query or mutation
    explained, and each event's session given back before the event is sent."""
    live = context.live
    assert live is not None  # a socket's context is built with its connection (`Live.context`)
    async with aclosing(results):
        async for result in results:
            if isinstance(result, PreExecutionError) and result.errors:
                result.errors = [_refusal(e) for e in result.errors]
            await live.release(context)
            yield result


class SubscriptionsOnly:
    """The schema as a socket's protocol handler sees it: `stream` and `subscribe` both run
    subscriptions only (strawberry refuses other operations before validation)."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    async def subscribe(self, query: str | None, **options: Any) -> AsyncGenerator[Any, None]:
        options.pop("allowed_operation_types", None)
        return _served(await self.schema.subscribe(query, **options), options["context_value"])

    stream = subscribe


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "schema": SubscriptionsOnly(options["schema"])})


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "schema": SubscriptionsOnly(options["schema"])})
