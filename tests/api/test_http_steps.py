"""The wiring a type checker can see: the request context's typed fields, the `UnitOfWork` Protocol
it holds, and the HTTP steps of `/graphql` (api/http_steps.py), each tested alone."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from typing_extensions import get_protocol_members

from api.http_steps import Outcome, apply_outcome, body_too_large, outcome_of, record_result, refusal
from api.limits import GRAPHQL_RESPONSE_JSON, JSON
from db.uow import SqlUnitOfWork
from domain.uow import UnitOfWork
from schema.context import Context
from schema.errors import ErrorCode


def request(method: str = "POST", headers: dict[str, str] | None = None, query: bytes = b"") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": method, "headers": raw, "query_string": query, "path": "/graphql"})


def test_the_context_carries_typed_fields_and_no_loose_dict() -> None:
    fields = {f.name: str(f.type) for f in dataclasses.fields(Context)}
    assert not [name for name, annotation in fields.items() if annotation.startswith("dict")]
    assert fields["uow"] == "UnitOfWork"
    assert fields["throttle"] == "CostThrottle | None"
    assert fields["login_guard"] == "LoginGuard | None"
    assert fields["live"] == "Connection | None"
    assert fields["storefront"] == "bool"


def test_the_sql_unit_of_work_offers_all_the_protocol_asks() -> None:
    """mypy checks the signatures (`Context.uow` is assigned a `SqlUnitOfWork`); this, that nothing
    the Protocol names is missing."""
    members = get_protocol_members(UnitOfWork)
    assert {"orders", "promotions", "promotion_admin", "coupon_issuing", "transaction", "clock"} <= members
    uow = SqlUnitOfWork(session=None)  # type: ignore[arg-type]
    assert not [name for name in members if not hasattr(type(uow), name) and name not in vars(uow)]


@pytest.mark.parametrize(
    ("method", "headers", "query", "accepted", "status"),
    [
        ("POST", {"content-type": JSON}, b"", None, 406),
        ("POST", {"content-type": JSON, "content-length": "101"}, b"", JSON, 413),
        ("GET", {}, b"q" * 101, JSON, 414),
        ("POST", {"content-type": "text/plain"}, b"", JSON, 415),
        ("POST", {"content-type": "multipart/form-data; boundary=x"}, b"", JSON, 400),  # no preflight header
        ("POST", {"content-type": "multipart/form-data", "apollo-require-preflight": " "}, b"", JSON, 400),
    ],
)
def test_requests_are_refused_on_their_headers(
    method: str, headers: dict[str, str], query: bytes, accepted: str | None, status: int
) -> None:
    refused = refusal(request(method, headers, query), accepted, 100, wants_page=False)
    assert refused is not None and refused.status == status


def test_a_well_formed_request_and_a_browser_page_pass() -> None:
    assert refusal(request("POST", {"content-type": "Application/JSON"}), JSON, 100, wants_page=False) is None
    assert refusal(request("GET"), None, 100, wants_page=True) is None
    upload = {"content-type": "Multipart/Form-Data; boundary=x", "apollo-require-preflight": "true"}
    assert refusal(request("POST", upload), JSON, 100, wants_page=False) is None
    assert body_too_large(100).status == 413


@pytest.mark.parametrize(
    ("media_type", "outcome", "status"),
    [
        (GRAPHQL_RESPONSE_JSON, Outcome(status=400), 400),
        (JSON, Outcome(status=400), 200),  # application/json: errors ride a 200
        (JSON, Outcome(status=429, retry_after=3), 429),  # except throttling, in both media types
        (GRAPHQL_RESPONSE_JSON, Outcome(status=400, batch=True), 200),  # a batch is always 200
    ],
)
def test_the_status_policy(media_type: str, outcome: Outcome, status: int) -> None:
    response = Response(b"{}")
    apply_outcome(response, outcome, media_type)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers.get("retry-after") == (str(outcome.retry_after) if outcome.retry_after else None)


def test_no_store_and_a_page_left_alone() -> None:
    response = Response(b"{}")
    apply_outcome(response, Outcome(status=200, no_store=True), JSON)
    assert response.headers["cache-control"] == "no-store"
    page = Response(b"<html>", media_type="text/html")
    apply_outcome(page, Outcome(), JSON)  # no GraphQL result: the GraphiQL page
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")


def test_one_outcome_per_request() -> None:
    r = request()
    outcome_of(r).batch = True
    assert outcome_of(r).batch


def body(errors: list[Any] | None = None) -> dict[str, Any]:
    cost = {"requestedQueryCost": 1, "maxCost": 1000, "throttleStatus": {"currentlyAvailable": 9}}
    return {"data": {"products": []}, "extensions": {"cost": cost}} | ({"errors": errors} if errors else {})


def test_a_clean_storefront_answer_is_kept_without_the_callers_throttle_status() -> None:
    outcome = Outcome(storefront=True)
    record_result(outcome, body(), 200, None)
    assert outcome.cache_body is not None
    assert orjson.loads(outcome.cache_body)["extensions"]["cost"] == {"requestedQueryCost": 1, "maxCost": 1000}


def test_other_answers_are_not_kept_and_throttling_says_when_to_retry() -> None:
    throttled = GraphQLError("slow down", extensions={"code": ErrorCode.THROTTLED.value, "retryAfter": 4})
    outcome = Outcome(storefront=True)
    record_result(outcome, body([{"message": "slow down"}]), 429, [throttled])
    assert (outcome.status, outcome.retry_after, outcome.cache_body) == (429, 4, None)
    not_storefront = Outcome()
    record_result(not_storefront, body(), 200, None)
    assert not_storefront.cache_body is None
