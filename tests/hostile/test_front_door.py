"""The front door against hostile clients, as a client would send it: nothing parses, plans or
caches a document before the size and token limits have passed, and every cache stays within its
byte bound whatever the documents (issue 13, item 3); text no storage can hold and bodies that are
not JSON text are client errors, never a 500 or a traceback (item 11)."""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from graphql.language.parser import Parser
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.graphql_view import GraphQLView
from api.settings import Settings
from schema import cost, execution
from tests.helpers import view_of

ASK_NEW = {"Accept": "application/graphql-response+json"}


@asynccontextmanager
async def http_client(
    engine: AsyncEngine, settings: Settings, **changes: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, GraphQLView]]:
    app = create_app(settings.model_copy(update=changes), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http, view_of(app)


def document_cache(view: GraphQLView) -> Any:
    from schema.document_cache import DocumentCache

    [documents] = [
        e.args[0] for e in view.schema.extensions if isinstance(e, functools.partial) and e.func is DocumentCache
    ]
    return documents


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int | None]]:
    """The `max_tokens` of every parser graphql-core creates, whoever creates it."""
    seen: list[int | None] = []
    original = Parser.__init__

    def recording(self: Parser, source: Any, **options: Any) -> None:
        seen.append(options.get("max_tokens"))
        original(self, source, **options)

    monkeypatch.setattr(Parser, "__init__", recording)
    yield seen


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_a_megabyte_document_is_refused_without_an_unbounded_parse(
    engine: AsyncEngine, settings: Settings, parses: list[int | None]
) -> None:
    document = "{ channels { slug " + "slug " * 200_000 + "} }"  # 1 MB, 200,000 tokens
    async with http_client(engine, settings, response_cache=True) as (http, _view):
        response = await http.post("/graphql", json={"query": document}, headers=ASK_NEW)
    assert response.status_code == 400 and code_of(response) == "QUERY_TOO_COMPLEX"
    assert response.json()["errors"][0]["extensions"]["limit"] == "tokens"
    assert parses and all(p == settings.max_query_tokens for p in parses), parses


async def test_a_get_query_string_is_held_to_the_body_cap(
    engine: AsyncEngine, settings: Settings, parses: list[int | None]
) -> None:
    document = "{ channels { slug " + "slug " * 2_000 + "} }"
    async with http_client(engine, settings, max_body_bytes=4_096) as (http, _view):
        response = await http.get("/graphql", params={"query": document})
    assert response.status_code == 414 and code_of(response) == "PAYLOAD_TOO_LARGE"
    assert parses == []


@pytest.mark.usefixtures("fresh_schemas")
async def test_a_document_is_parsed_once_and_then_not_again(
    engine: AsyncEngine, settings: Settings, parses: list[int | None]
) -> None:
    query = "query Shelf { channels { slug } }"
    async with http_client(engine, settings, response_cache=True) as (http, _view):
        for expected in (1, 1):
            response = await http.post("/graphql", json={"query": query})
            assert response.json() == {"data": {"channels": []}, "extensions": response.json()["extensions"]}
            assert len(parses) == expected
        await http.post("/graphql", json={"query": query}, headers={"Authorization": ""})  # no response cache
        assert len(parses) == 1


@pytest.mark.usefixtures("fresh_schemas")
async def test_many_distinct_large_documents_stay_within_every_cache_bound(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("schema.DOCUMENT_CACHE_BYTES", 1_000_000)
    bounds = {"response_cache_bytes": 100_000, "persisted_query_cache_bytes": 500_000}
    async with http_client(engine, settings, response_cache=True, **bounds) as (http, view):
        tag = f"#{engine.dialect.name}" + "x" * 100_000  # 100 KB, within the limits
        for i in range(30):
            query = "query Shelf { channels { slug } } " + tag + str(i)
            digest = hashlib.sha256(query.encode()).hexdigest()
            body = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
            response = await http.post("/graphql", json=body)
            assert response.json()["data"] == {"channels": []}
        documents = document_cache(view)
        assert 0 < documents.bytes <= 1_000_000 and len(documents) < 30
        gc.collect()  # what is kept with a document (its plans and costs) goes when the document does
        planned = [op for op in execution._PLANS if op.loc and tag in op.loc.source.body]
        costed = [d for d in cost._COSTS if d.loc and tag in d.loc.source.body]
        assert 0 < len(planned) <= len(documents) and 0 < len(costed) <= len(documents)
        assert 0 < view.persisted_queries._queries.bytes <= 500_000  # type: ignore[union-attr]
        assert view.responses._entries.bytes <= 100_000  # type: ignore[union-attr]


async def test_only_requests_of_a_storefront_size_reach_the_response_cache(
    engine: AsyncEngine, settings: Settings
) -> None:
    small, large = ("query Shelf { channels { slug } } #" + "x" * size for size in (1_000, 70_000))
    async with http_client(engine, settings, response_cache=True) as (http, _view):
        for query, cached in ((small, "HIT"), (large, None)):
            for _ in range(2):
                response = await http.post("/graphql", json={"query": query})
                assert response.json()["data"] == {"channels": []}
            assert response.headers.get("x-cache") == cached


async def test_a_persisted_query_is_stored_only_within_the_limits(engine: AsyncEngine, settings: Settings) -> None:
    query = "{ channels { slug " + "slug " * 5_000 + "} }"  # over the token limit
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with http_client(engine, settings) as (http, _view):
        refused = await http.post("/graphql", json={"query": query, "extensions": persisted})
        assert code_of(refused) == "QUERY_TOO_COMPLEX"
        again = await http.post("/graphql", json={"extensions": persisted})
        assert code_of(again) == "PERSISTED_QUERY_NOT_FOUND"


# --- text no storage can hold (issue 13, item 11) ---------------------------------------------

SEARCH = 'query($s: String) { products(channel: "online", first: 1, search: $s) { edges { node { name } } } }'
CHECKOUT = "mutation($c: ID!, $k: String!) { checkoutComplete(cartId: $c, idempotencyKey: $k) { order { id } } }"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (SEARCH, {"s": "shoe\x00"}),
        ('query($s: String) { product(slug: $s, channel: "online") { name } }', {"s": "a\x00b"}),
        (CHECKOUT, {"c": "Q2FydDox", "k": "key\x00"}),
        (CHECKOUT, {"c": "Q2FydDox\x00", "k": "key"}),
        ('{ product(slug: "a\\u0000b", channel: "online") { name } }', None),
        ('{ products(channel: "online", first: 1, search: """nul \x00""") { edges { node { name } } } }', None),
    ],
)
async def test_a_nul_character_in_any_string_is_bad_user_input(
    engine: AsyncEngine,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any] | None,
) -> None:
    async with http_client(engine, settings) as (http, _view):
        response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=ASK_NEW)
    assert response.status_code == 400, response.text
    assert code_of(response) == "BAD_USER_INPUT"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ channels { slug } }", "variables": {"s": "\\ud800"}}',  # a lone surrogate
        b'{"query": "{ channels { slug \xff } }"}',  # not UTF-8
        b'{"query": "{ channels { slug } }", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
async def test_a_body_that_is_not_json_text_is_a_coded_400(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    async with http_client(engine, settings) as (http, _view):
        response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        variables = await http.get("/graphql", params={"query": SEARCH, "variables": '{"s": "\\udc00"}'})
    for refused in (response, variables):
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/json"
        assert code_of(refused) == "BAD_REQUEST"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_is_refused_with_a_coded_400(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    query = 'subscription { orderUpdated(id: "T3JkZXI6eA") { number } }'
    async with http_client(engine, settings) as (http, _view):
        response = await (
            http.post("/graphql", json={"query": query})
            if method == "POST"
            else http.get("/graphql", params={"query": query})
        )
    assert response.status_code == 400 and code_of(response) == "BAD_REQUEST"
    assert "WebSocket" in response.json()["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
