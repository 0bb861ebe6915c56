"""The HTTP side of the limits, and the GraphQL-over-HTTP response policy of `/graphql`.

- `schema_for(settings)`: the schema with the query limits from the settings (schema/cost.py
  checks them on the parsed document).
- The request body is capped at `MAX_BODY_BYTES` (a declared `Content-Length` is refused up
  front, a streamed body as soon as it grows past the cap): 413; a GET's query string too: 414.
- `negotiate(accept)`: `application/graphql-response+json` when the client lists it at least
  as high as `application/json`; else `application/json` (also without an `Accept` header);
  None when the client accepts neither (406).
- `response_body(result)`: a request error (nothing ran: parse, validation, variables,
  limits, an unknown persisted query) has no `data` key; with `application/graphql-response+json`
  it answers 400, or 422 with `REQUEST_ERROR_STATUS=422` (500 for an unexpected failure before
  execution); with `application/json`, 200 as the contract says. A THROTTLED operation answers 429 with either.
  A last pass makes sure no error leaves without a code or with an unmasked internal message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Message, Receive
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from api.error_log import log_errors
from api.response_cache import StorefrontCheck
from api.settings import Settings
from schema import build_schema
from schema.cost import QueryLimits
from schema.error_codes import has_code, syntax_error_extensions
from schema.errors import ErrorCode, should_mask

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
MASKED_MESSAGE = "Unexpected error."

# Codes of errors raised before execution because of the request itself (HTTP 400, or the
# REQUEST_ERROR_STATUS setting, when the client accepts application/graphql-response+json).
REQUEST_ERROR_CODES = frozenset(
    c.value
    for c in (
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.BAD_USER_INPUT,
        ErrorCode.QUERY_TOO_COMPLEX,
        ErrorCode.INTROSPECTION_DISABLED,
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
    )
)

# Codes of a document refused for what it is (not for its variables or the caller).
REFUSED_DOCUMENT_CODES = frozenset(
    c.value
    for c in (
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.QUERY_TOO_COMPLEX,
        ErrorCode.INTROSPECTION_DISABLED,
    )
)

# `extensions.code` of the refusals that happen before GraphQL, by HTTP status.
HTTP_ERROR_CODES: dict[int, str] = {
    400: ErrorCode.BAD_REQUEST.value,
    401: ErrorCode.UNAUTHENTICATED.value,
    403: ErrorCode.FORBIDDEN.value,
    404: ErrorCode.NOT_FOUND.value,
    405: ErrorCode.METHOD_NOT_ALLOWED.value,
    406: ErrorCode.NOT_ACCEPTABLE.value,
    413: ErrorCode.PAYLOAD_TOO_LARGE.value,
    414: ErrorCode.PAYLOAD_TOO_LARGE.value,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE.value,
    429: ErrorCode.THROTTLED.value,
}


def query_limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_tokens=settings.max_query_tokens,
        max_cost=settings.max_query_cost,
    )


def schema_for(settings: Settings, extra: Sequence[Callable[[], SchemaExtension]] = ()) -> strawberry.Schema:
    """The schema as the settings configure it (limits, introspection, batching, debug, the response
    cache's check, and the `extra` extensions: the observer of api/observe.py), logging only unexpected
    errors as errors (api/error_log.py).

    Apps built in one process with the same configuration and no `extra` share one schema (`shared_schema`):
    building it converts every type and takes 50 to 70 ms, and the test suite builds thousands of apps.
    What a schema keeps (parsed and validated documents, their plans) depends only on that configuration."""
    configuration = (
        settings.debug,
        query_limits(settings),
        settings.introspection,
        settings.batch_max_operations if settings.batching else None,
        settings.response_cache,
    )
    return _build(*configuration, tuple(extra)) if extra else shared_schema(*configuration)


def _build(
    debug: bool,
    limits: QueryLimits,
    introspection: bool,
    batch_max_operations: int | None,
    response_cache: bool,
    extra: tuple[Callable[[], SchemaExtension], ...] = (),
) -> strawberry.Schema:
    schema = build_schema(
        debug=debug,
        limits=limits,
        introspection=introspection,
        batch_max_operations=batch_max_operations,
        extensions=((StorefrontCheck,) if response_cache else ()) + extra,
    )
    schema.process_errors = log_errors  # type: ignore[method-assign]
    return schema


shared_schema = functools.lru_cache(maxsize=4)(_build)  # each schema's caches are bounded in bytes


# --- the request body -------------------------------------------------------------------------


class BodyTooLarge(Exception):
    """The request body grew past the cap while it was read."""


def declared_too_large(headers: Headers, max_bytes: int) -> bool:
    """The `Content-Length` header announces more than `max_bytes`."""
    length = headers.get("content-length")
    return length is not None and length.strip().isdigit() and int(length) > max_bytes


def limit_body(receive: Receive, max_bytes: int) -> Receive:
    """`receive`, raising `BodyTooLarge` once the body read so far exceeds `max_bytes`."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLarge
        return message

    return limited


# --- media types and statuses -----------------------------------------------------------------


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, from the request's `Accept` header (None: neither JSON type)."""
    quality = {GRAPHQL_RESPONSE_JSON: 0.0, JSON: 0.0}
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media == GRAPHQL_RESPONSE_JSON:
            quality[GRAPHQL_RESPONSE_JSON] = max(quality[GRAPHQL_RESPONSE_JSON], q)
        elif media in (JSON, "application/*", "*/*"):
            quality[JSON] = max(quality[JSON], q)
    wanted = quality[GRAPHQL_RESPONSE_JSON]
    if wanted > 0 and wanted >= quality[JSON]:
        return GRAPHQL_RESPONSE_JSON
    return JSON if quality[JSON] > 0 or not (accept or "").strip() else None


def media_type_of(content_type: str | None) -> str:
    """The media type of a `Content-Type` header, in lower case (media types are case-insensitive)."""
    return (content_type or "").partition(";")[0].strip().lower()


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def finish_error(error: GraphQLError, *, debug: bool) -> GraphQLError:
    """The last line of defence: every error leaves with a code, unexpected ones masked.

    The schema's `ErrorCodes` extension codes errors by phase; what reaches here uncoded failed
    outside it (an exception in an extension hook, say).
    """
    if has_code(error):
        return error
    if isinstance(error, GraphQLSyntaxError):
        extensions = syntax_error_extensions(error)
    elif should_mask(error) and not debug:
        return GraphQLError(
            MASKED_MESSAGE,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
        )
    else:
        extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    return GraphQLError(
        error.message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        error.original_error,
        extensions={**(error.extensions or {}), **extensions},
    )


def response_body(
    result: ExecutionResult, *, debug: bool, request_error_status: int = 400
) -> tuple[dict[str, Any], int]:
    """The JSON body of a result and the status to use with application/graphql-response+json.

    A result whose errors all arose before execution (no path, no data) is a request error:
    per the GraphQL spec its body has no `data` key, and its status is `request_error_status`
    (400, or the 422 an earlier GraphQL-over-HTTP draft asked for) when the request itself is
    at fault.
    """
    errors = [finish_error(e, debug=debug) for e in result.errors or ()]
    before_execution = result.data is None and bool(errors) and all(e.path is None for e in errors)
    body: dict[str, Any] = {} if before_execution else {"data": result.data}
    if errors:
        body["errors"] = [e.formatted for e in errors]
    if result.extensions:
        body["extensions"] = result.extensions
    status = 200
    if before_execution:
        codes = {(e.extensions or {}).get("code") for e in errors}
        if codes == {ErrorCode.THROTTLED.value}:
            status = 429
        else:
            status = request_error_status if codes <= REQUEST_ERROR_CODES else 500
    return body, status


def within_limits(result: ExecutionResult) -> bool:
    """The document of `result` passed parsing, validation and the limits (it may be remembered)."""
    return not any((e.extensions or {}).get("code") in REFUSED_DOCUMENT_CODES for e in result.errors or ())


def http_error(
    status: int, message: str, *, media_type: str, max_cost: int, headers: Mapping[str, str] | None = None
) -> Response:
    """A refusal before GraphQL ran, as a GraphQL response body with a coded error."""
    code = HTTP_ERROR_CODES.get(status, ErrorCode.BAD_REQUEST.value)
    body = {
        "errors": [{"message": message, "extensions": {"code": code}}],
        "extensions": {"cost": {"requestedQueryCost": None, "maxCost": max_cost}},
    }
    response = Response(orjson.dumps(body), status_code=status, headers=dict(headers or {}))
    response.headers["content-type"] = content_type(media_type)
    return response
