"""The HTTP steps around a GraphQL execution at `/graphql`, each a small function the view
(api/graphql_view.py) calls in turn and a test can call alone:

1. `refusal`: what is refused before anything is read or run (406, 413, 414, 415; a multipart upload
   without a preflight header, 400);
2. the response cache's lookup (api/response_cache.py), then authentication and execution;
3. `Outcome`: what strawberry's hooks learn about the result while it runs, one typed record per
   request (`outcome_of`), instead of loose attributes on `request.state`;
4. `apply_outcome`: the status policy (GraphQL-over-HTTP statuses, `Retry-After`, `no-store`);
5. `cacheable_body`: what the response cache may keep of a successful storefront answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from api.limits import GRAPHQL_RESPONSE_JSON, JSON, content_type, declared_too_large, media_type_of
from schema.errors import ErrorCode

MULTIPART = "multipart/form-data"
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    message: str
    headers: dict[str, str] | None = None


def body_too_large(max_bytes: int) -> Refusal:
    return Refusal(413, f"The request body is over the limit of {max_bytes} bytes.")


def is_upload(headers: Headers) -> bool:
    """A GraphQL multipart request (files beside the operation): its body may be larger."""
    return media_type_of(headers.get("content-type")) == MULTIPART


def refusal(request: Request, accepted: str | None, max_bytes: int, *, wants_page: bool) -> Refusal | None:
    """A request refused on its headers alone, before the response cache is asked or a body read.
    `max_bytes` is the cap for this request (larger for an upload)."""
    if accepted is None and not (request.method == "GET" and wants_page):
        return Refusal(406, f"Acceptable media types are {GRAPHQL_RESPONSE_JSON} and {JSON}.")
    if declared_too_large(request.headers, max_bytes):
        return body_too_large(max_bytes)
    if len(request.scope["query_string"]) > max_bytes:  # a GET's query is held to the same cap
        return Refusal(414, f"The query string is over the limit of {max_bytes} bytes.")
    if request.method == "POST" and is_upload(request.headers):
        # A browser sends a multipart form across origins without asking first (a "simple" request):
        # a header no form can set makes it ask (CORS preflight), as Apollo's CSRF prevention does.
        if not any(request.headers.get(h, "").strip() for h in PREFLIGHT_HEADERS):
            return Refusal(400, "Send a multipart request with an `Apollo-Require-Preflight: true` header.")
        return None
    if request.method == "POST" and media_type_of(request.headers.get("content-type")) != JSON:
        return Refusal(415, f"Send the request body as {JSON} (`Content-Type: {JSON}`), or {MULTIPART} for uploads.")
    return None


@dataclass(slots=True)
class Outcome:
    """What the view's strawberry hooks learn about one request's GraphQL result."""

    status: int | None = None  # the GraphQL-over-HTTP status; None: no GraphQL result (the GraphiQL page)
    retry_after: int | None = None  # seconds, when an operation was THROTTLED
    batch: bool = False  # a JSON array of operations: always 200
    no_store: bool = False  # a CDN must not keep the answer (PERSISTED_QUERY_NOT_FOUND)
    storefront: bool = False  # the operation reads only storefront fields
    cache_body: bytes | None = None  # what the response cache may keep


def outcome_of(request: Request) -> Outcome:
    """The request's `Outcome`, made on first use."""
    outcome = getattr(request.state, "outcome", None)
    if not isinstance(outcome, Outcome):
        outcome = request.state.outcome = Outcome()
    return outcome


def record_result(outcome: Outcome, body: dict[str, Any], status: int, errors: Any) -> None:
    """Note a result's status, its throttling and, for a clean storefront answer, what to cache."""
    outcome.status = status
    retry_after = [
        e.extensions["retryAfter"]
        for e in errors or ()
        if (e.extensions or {}).get("code") == ErrorCode.THROTTLED.value
    ]
    if retry_after:
        outcome.retry_after = max(retry_after)
    if outcome.storefront and not errors and body.get("data") is not None:
        outcome.cache_body = cacheable_body(body)


def cacheable_body(body: dict[str, Any]) -> bytes:
    """The answer as every anonymous caller may see it: without this caller's throttle status."""
    extensions = body.get("extensions") or {}
    cost = {k: v for k, v in extensions.get("cost", {}).items() if k != "throttleStatus"}
    return orjson.dumps({**body, "extensions": {**extensions, "cost": cost}})


def apply_outcome(response: Response, outcome: Outcome, media_type: str) -> None:
    """The status policy: 4xx statuses only for `application/graphql-response+json` (and 429 for
    both), never for a batch; `Retry-After` and `Cache-Control: no-store` when due."""
    if outcome.status is None:
        return
    response.headers["content-type"] = content_type(media_type)
    if (media_type == GRAPHQL_RESPONSE_JSON or outcome.status == 429) and not outcome.batch:
        response.status_code = outcome.status
    if outcome.retry_after is not None:
        response.headers["Retry-After"] = str(outcome.retry_after)
    if outcome.no_store:
        response.headers["Cache-Control"] = "no-store"
