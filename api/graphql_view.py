"""The `/graphql` endpoint: strawberry's ASGI view with our request context, JSON encoding and
the GraphQL-over-HTTP policy of api/limits.py.

Per HTTP request: refuse an oversized body (or query string), authenticate the bearer token
once, open one database session, build a fresh set of dataloaders, execute, and close the
session whatever happened (each step a function of api/http_steps.py). Request parsing stays
strawberry's; this view only overrides its hooks:

- the media type follows `Accept` (`application/graphql-response+json` when asked for, with
  4xx statuses for request errors: 400, or 422 with `REQUEST_ERROR_STATUS`); refusals before
  GraphQL are coded JSON errors too;
- an `Accept` that allows neither JSON media type is 406; a POST that is not
  `application/json` (or multipart) is 415, before the response cache is asked (media types in any case);
- a `multipart/form-data` POST is an upload (the GraphQL multipart request specification, api/uploads.py):
  its body may be `MEDIA_MAX_BYTES` larger, and it needs a preflight header (400) and a caller who may
  upload (401/403) before its body is parsed; the response cache never answers it;
- a mutation over GET is 405 with `Allow: POST`; a JSON array is 400 unless batching is on,
  and then the operations run one after another (they share the request's session);
- the caller's cost throttle and sign-in guard (api/rate_limits.py) go into the context; a
  THROTTLED operation answers 429 with `Retry-After`;
- a body (or a GET's `variables`) that is not JSON, is not UTF-8, holds a lone surrogate or nests
  deeper than 1,024 levels is a coded 400 BAD_REQUEST;
- `extensions.persistedQuery` is resolved (api/persisted_queries.py) before execution;
- GraphiQL (api/graphiql.py) is served with security headers, or 404 when switched off;
- a request that wrote to the outbox wakes the worker's relay, so subscribers hear at once, and one that
  wrote a sale, return or cancellation wakes its report feed;
- repeated anonymous storefront queries are answered from the response cache
  (api/response_cache.py, `X-Cache: HIT`); a request that wrote the catalogue or stock bumps
  its version;
- WebSocket connections (subscriptions only, `graphql-transport-ws` or `graphql-ws`: see
  api/websocket.py) authenticate with the `Authorization` entry of `connection_init`'s payload
  (4403 when it is bad) and are charged to the caller's cost bucket.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from api.auth import AuthenticationFailed, Authenticator
from api.graphiql import graphiql_page
from api.http_steps import (
    Refusal,
    apply_outcome,
    body_too_large,
    is_upload,
    outcome_of,
    record_result,
    refusal,
)
from api.limits import (
    JSON,
    BodyTooLarge,
    content_type,
    http_error,
    limit_body,
    negotiate,
    response_body,
    within_limits,
)
from api.observe import note_operation
from api.persisted_queries import MalformedPersistedQuery, PersistedQueryError, requested_hash, resolve
from api.request_record import current
from api.response_cache import CACHEABLE_REQUEST_BYTES, cache_key
from api.state import AppState
from api.uploads import RequestAdapter, upload_refusal
from api.websocket import LegacyWSHandler, TextWebSocket, TransportWSHandler
from db import report_feed
from db.catalogue_changes import CATALOGUE_CHANGED, STOCK_CHANGED
from db.outbox import WRITTEN
from schema.context import Context
from schema.loaders import Loaders
from schema.subscriptions import Live

# What HTTP carries: subscriptions go over the WebSocket (api/websocket.py), never a POST or GET.
HTTP_OPERATIONS = {"GET": {OperationType.QUERY}, "POST": {OperationType.QUERY, OperationType.MUTATION}}


class RefusedRequest(Exception):
    """A request refused once its session is open: answered with a coded JSON error."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = TextWebSocket
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    request_adapter_class = RequestAdapter

    def __init__(self, schema: Any, state: AppState) -> None:
        # uploads (the GraphQL multipart request specification) for product media; `refusal` asks
        # for a preflight header first (CSRF) and `_execute` for a caller who may upload
        super().__init__(schema, graphql_ide="graphiql", multipart_uploads_enabled=True)
        self.state = state
        self.auth = Authenticator(state.services.tokens)
        settings = state.settings
        self.debug = settings.debug
        self.request_error_status = settings.request_error_status
        self.graphiql_enabled = settings.graphiql
        self.max_body_bytes = settings.max_body_bytes
        self.max_upload_bytes = settings.max_body_bytes + settings.media_max_bytes  # the operation and a file
        self.max_cost = settings.max_query_cost
        self.rate_limits = state.stores.rate_limits
        self.persisted_queries = state.stores.persisted_queries
        self.responses = state.stores.responses
        self.stale_stock = settings.response_cache_stale_stock
        self.metrics = state.metrics
        self.graphiql_html, self.graphiql_headers = graphiql_page(settings.graphiql_assets_url)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses invalid UTF-8, lone surrogates and nesting past 1,024 levels with a
        # JSONDecodeError, which strawberry answers with a coded 400 (the standard library raised
        # UnicodeDecodeError or RecursionError there: a plain-text 500)
        return orjson.loads(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        uploading = scope["method"] == "POST" and is_upload(Headers(scope=scope))
        limit = self.max_upload_bytes if uploading else self.max_body_bytes
        request = Request(scope, limit_body(receive, limit))
        try:
            response = await self._respond(request, negotiate(request.headers.get("accept")), limit)
        finally:
            await request.close()  # an upload's spooled files
        await response(scope, receive, send)

    async def _respond(self, request: Request, accepted: str | None, limit: int) -> Response:
        media_type = accepted or JSON

        def refuse(refused: Refusal) -> Response:
            return http_error(
                refused.status, refused.message, media_type=media_type, max_cost=self.max_cost, headers=refused.headers
            )

        if (refused := refusal(request, accepted, limit, wants_page=self._wants_page(request))) is not None:
            return refuse(refused)
        try:
            key = await self._cache_key(request, media_type)
        except BodyTooLarge:
            return refuse(body_too_large(limit))
        if key is not None and self.responses is not None:
            hit = await self.responses.get(key)
            if self.metrics is not None:
                self.metrics.cache_lookup(hit is not None)
            if hit is not None:
                return Response(hit, headers={"content-type": content_type(media_type), "X-Cache": "HIT"})
        try:
            response = await self._execute(request, limit)
        except RefusedRequest as e:
            return refuse(e.refusal)
        outcome = outcome_of(request)
        apply_outcome(response, outcome, media_type)
        cached = outcome.cache_body
        if key is not None and self.responses is not None and cached is not None and response.status_code == 200:
            await self.responses.put(key, cached)
        return response

    async def _execute(self, request: Request, limit: int) -> Response:
        """Authenticate, run the operation(s) in one session, and tell the relay and the response
        cache what the request wrote."""
        assert self.state.sessions is not None
        async with self.state.sessions() as session:
            try:
                principal = await self.auth.principal(request.headers.get("authorization"), session)
            except AuthenticationFailed as e:
                raise RefusedRequest(Refusal(401, str(e), {"WWW-Authenticate": 'Bearer error="invalid_token"'})) from e
            if (record := current()) is not None:
                record.principal = principal.kind.value
            if request.method == "POST" and is_upload(request.headers) and (refused := upload_refusal(principal)):
                raise RefusedRequest(refused)  # before a byte of the body is parsed
            services = self.state.services
            ip = request.client.host if request.client else "unknown"
            context = Context(
                session=session,
                principal=principal,
                services=services,
                loaders=Loaders(session, services.clock),
                client_ip=ip,
                throttle=self.rate_limits.cost_throttle(principal, ip),
                login_guard=self.rate_limits.login_guard(ip),
            )
            try:
                response = await self.run(request, context=context)
                if session.info.pop(WRITTEN, False) and self.state.relay is not None:
                    self.state.relay.nudge()
                if session.info.pop(report_feed.DUE, False) and self.state.feeder is not None:
                    self.state.feeder.nudge()
                await self._invalidate(session.info)
            except HTTPException as e:
                # 405: a mutation over GET (only POST will do), or a method strawberry does not serve
                allow = "POST" if request.method == "GET" else "GET, POST"
                headers = {"Allow": allow} if e.status_code == 405 else None
                raise RefusedRequest(Refusal(e.status_code, e.reason, headers)) from e
            except BodyTooLarge as e:
                raise RefusedRequest(body_too_large(limit)) from e
        return response

    async def _cache_key(self, request: Request, media_type: str) -> str | None:
        """The response cache's key for an anonymous GET or POST; None when the cache cannot answer it."""
        if (
            self.responses is None
            or "authorization" in request.headers
            or request.method not in ("GET", "POST")
            or is_upload(request.headers)
        ):
            return None
        if request.method == "GET" and self._wants_page(request):
            return None
        version = await self.responses.version()
        if version is None:
            return None
        payload = await request.body() if request.method == "POST" else request.url.query.encode()
        if len(payload) > CACHEABLE_REQUEST_BYTES:
            return None
        return cache_key(version, request.method, payload, media_type)

    async def _invalidate(self, info: dict[str, Any]) -> None:
        """After a commit: cached answers may show what this request changed."""
        catalogue = info.pop(CATALOGUE_CHANGED, False)
        stock = info.pop(STOCK_CHANGED, False) and not self.stale_stock
        if (catalogue or stock) and self.responses is not None:
            await self.responses.bump()

    async def get_context(self, request: Any, response: Any = None) -> Context:
        """A WebSocket connection's context (HTTP requests build theirs in `_respond`), with no
        database session of its own: each event reads in one (schema/subscriptions.py)."""
        assert self.state.sessions is not None
        context = Live(self.state.stores.bus, self.state.sessions).context(self.state.services)
        context.client_ip = request.client.host if request.client else "unknown"
        return context

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params
        header = None
        if isinstance(params, dict):
            header = params.get("Authorization") or params.get("authorization")
        if header is not None and not isinstance(header, str):
            raise ConnectionRejectionError()
        assert self.state.sessions is not None
        async with self.state.sessions() as session:
            try:
                context.principal = await self.auth.principal(header, session)
            except AuthenticationFailed:
                raise ConnectionRejectionError() from None
        context.throttle = self.rate_limits.cost_throttle(context.principal, context.client_ip)
        return UNSET

    @staticmethod
    def _wants_page(request: Request) -> bool:
        return "text/html" in request.headers.get("accept", "").lower()

    def should_render_graphql_ide(self, request: Any) -> bool:
        # strawberry's test, with media types compared case-insensitively; a GET with only
        # `extensions` (a persisted query's hash) is a query, not a browser
        accept = request.headers.get("accept", "").lower()
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and request.query_params.get("extensions") is None
            and ("text/html" in accept or "*/*" in accept)
        )

    async def process_result(self, request: Request, result: Any) -> Any:
        body, status = response_body(result, debug=self.debug, request_error_status=self.request_error_status)
        record_result(outcome_of(request), body, status, result.errors)
        return body

    async def parse_http_body(self, request_adapter: Any) -> Any:
        request_adapter.max_part_bytes = self.max_body_bytes
        try:
            return await super().parse_http_body(request_adapter)
        except AttributeError as e:  # strawberry reads `.get` off a JSON body that is not an object
            raise HTTPException(400, "The body must be a JSON object with a `query`.") from e

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        try:
            return await super().parse_multipart(request)
        except (TypeError, IndexError, ValueError, AttributeError) as e:  # a `map` that names no variable
            raise HTTPException(400, "The multipart `map` must name variables of `operations`.") from e

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        if self.schema.config.batching_config is None:
            raise HTTPException(
                400, "Batching is disabled: send one operation per request, as a JSON object (not an array)."
            )
        if not all(isinstance(item, dict) for item in request_data):
            raise HTTPException(400, "Each operation of a batch must be a JSON object with a `query`.")
        super()._validate_batch_request(request_data, protocol)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        # A batch: one after another, since the operations share the request's database session.
        outcome_of(request).batch = True
        return [
            await self.execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=data,
            )
            for data in request_data
        ]

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        try:
            digest = requested_hash(request_data.extensions)
        except MalformedPersistedQuery as e:
            raise HTTPException(400, str(e)) from e
        registers = request_data.query is not None
        if digest is not None:
            try:
                request_data.query = await resolve(self.persisted_queries, digest, request_data.query)
            except PersistedQueryError as e:
                outcome_of(request).no_store = True
                refused = ExecutionResult(
                    data=None,
                    errors=[GraphQLError(e.message, extensions={"code": e.code})],
                    extensions={"cost": {"requestedQueryCost": None, "maxCost": self.max_cost}},
                )
                if self.metrics is not None:
                    note_operation(self.metrics, refused, ran=False)
                return refused
        try:
            result = await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=HTTP_OPERATIONS[request_adapter.method],
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason()) from e
        except MissingQueryError as e:
            raise HTTPException(400, "No GraphQL query found in the request") from e
        except InvalidOperationTypeError as e:
            if e.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(
                    400,
                    "Subscriptions are served over WebSocket (graphql-transport-ws or "
                    "graphql-ws) at this URL, not over HTTP.",
                ) from e
            raise HTTPException(405, f"A {e.operation_type.value} cannot be sent with GET; send it with POST.") from e
        if self.metrics is not None:
            note_operation(self.metrics, result)
        if digest is not None and registers and self.persisted_queries is not None and within_limits(result):
            await self.persisted_queries.put(digest, request_data.query)
        outcome = outcome_of(request)
        if not outcome.batch:
            outcome.storefront, context.storefront = context.storefront, False
        return result

    async def render_graphql_ide(self, request: Request) -> Response:
        if not self.graphiql_enabled:
            raise HTTPException(404, "GraphiQL is disabled on this server; send queries to this URL with POST.")
        return HTMLResponse(self.graphiql_html, headers=self.graphiql_headers)
