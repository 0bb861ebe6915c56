"""Automatic persisted queries (api/persisted_queries.py, Apollo's APQ protocol): a hash
instead of the query, PERSISTED_QUERY_NOT_FOUND for an unknown one, the hash checked before
a query is stored; in process or in Redis; GET with only the hash (for CDNs)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.persisted_queries import MemoryQueryStore
from api.settings import Settings
from tests.helpers import GraphQLClient, StatementCounter
from tests.redis_fixtures import REDIS_URL, real_redis

QUERY = "query Channels { channels { slug } }"
ASK_NEW = {"Accept": "application/graphql-response+json"}


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def code_of(response: httpx.Response) -> str:
    [error] = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code


@asynccontextmanager
async def http_client(engine: AsyncEngine, settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


async def test_an_unknown_hash_is_not_found_then_the_query_is_stored_and_found(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    statements.reset()
    missing = await client.http.post("/graphql", json={"extensions": persisted(sha(QUERY))})
    assert missing.status_code == 200  # as Apollo answers application/json
    assert missing.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
    assert "data" not in missing.json()
    assert missing.headers["cache-control"] == "no-store"
    assert statements.count == 0
    strict = await client.http.post("/graphql", json={"extensions": persisted(sha(QUERY))}, headers=ASK_NEW)
    assert strict.status_code == 400 and code_of(strict) == "PERSISTED_QUERY_NOT_FOUND"  # no `data`: 4xx
    stored = await client.http.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))})
    assert stored.json()["data"] == {"channels": []}
    found = await client.http.post("/graphql", json={"extensions": persisted(sha(QUERY).upper())})
    assert found.status_code == 200 and found.json()["data"] == {"channels": []}
    assert found.json()["extensions"]["cost"]["requestedQueryCost"] == 5


async def test_a_query_that_does_not_match_its_hash_is_refused_and_not_stored(client: GraphQLClient) -> None:
    wrong = await client.http.post(
        "/graphql", json={"query": "{ __typename }", "extensions": persisted(sha(QUERY))}, headers=ASK_NEW
    )
    assert wrong.status_code == 400 and code_of(wrong) == "BAD_USER_INPUT"
    assert "does not match" in wrong.json()["errors"][0]["message"]
    again = await client.http.post("/graphql", json={"extensions": persisted(sha(QUERY))})
    assert code_of(again) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_hash_alone_works_over_get_and_mutations_are_still_refused(client: GraphQLClient) -> None:
    params = {"extensions": json.dumps(persisted(sha(QUERY))), "operationName": "Channels"}
    for accept in ("*/*", "application/json", "text/html, */*"):  # a hash is a query, not a browser
        missing = await client.http.get("/graphql", params=params, headers={"Accept": accept})
        assert code_of(missing) == "PERSISTED_QUERY_NOT_FOUND" and missing.headers["cache-control"] == "no-store"
    await client.http.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))})
    response = await client.http.get("/graphql", params=params)
    assert response.status_code == 200 and response.json()["data"] == {"channels": []}
    assert "cache-control" not in response.headers  # a CDN may keep it
    mutation = 'mutation { tokenRevoke(input: {refreshToken: "x"}) { revoked } }'
    await client.http.post("/graphql", json={"query": mutation, "extensions": persisted(sha(mutation))})
    refused = await client.http.get("/graphql", params={"extensions": json.dumps(persisted(sha(mutation)))})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"


@pytest.mark.parametrize(
    "extension",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": {"version": 1, "sha256Hash": 12}},
        {"persistedQuery": "0" * 64},
    ],
)
async def test_a_malformed_persisted_query_is_a_bad_request(client: GraphQLClient, extension: dict[str, Any]) -> None:
    response = await client.http.post("/graphql", json={"query": QUERY, "extensions": extension})
    assert response.status_code == 400 and code_of(response) == "BAD_REQUEST"


async def test_other_extensions_are_ignored(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"query": QUERY, "extensions": {"tracing": True}})
    assert response.json()["data"] == {"channels": []}


async def test_persisted_queries_can_be_switched_off(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, persisted_queries=False) as http:
        response = await http.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))})
        assert code_of(response) == "PERSISTED_QUERY_NOT_SUPPORTED"
        assert response.json()["errors"][0]["message"] == "PersistedQueryNotSupported"  # Apollo stops sending hashes
        assert (await http.post("/graphql", json={"query": QUERY})).json()["data"] == {"channels": []}


async def test_the_in_process_store_forgets_the_least_recently_used_past_its_bytes() -> None:
    store = MemoryQueryStore(max_bytes=100_000)
    queries = {sha(str(i)): "{ channels { slug } }" + " " * 20_000 + f"# {i}" for i in range(10)}  # ~20 KB each
    for digest, query in queries.items():
        await store.put(digest, query)
    assert await store.get(sha("6")) is not None  # now 7 is the least recently used
    await store.put(sha("a"), "{ a }" + " " * 20_000)
    kept = [d for d in queries if await store.get(d) is not None]
    assert kept == [sha(str(i)) for i in (6, 8, 9)]


async def test_queries_in_redis_are_shared_by_every_server(engine: AsyncEngine, settings: Settings) -> None:
    async with real_redis() as (redis, prefix):
        shared = {"redis_url": REDIS_URL, "redis_prefix": prefix, "persisted_query_ttl": 3600}
        async with http_client(engine, settings, **shared) as one, http_client(engine, settings, **shared) as two:
            await one.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))})
            found = await two.post("/graphql", json={"extensions": persisted(sha(QUERY))})
            assert found.json()["data"] == {"channels": []}
            key = f"{prefix}apq:{sha(QUERY)}"
            assert await redis.get(key) == QUERY.encode()
            assert 3500 < await redis.ttl(key) <= 3600
        async with http_client(engine, settings, **{**shared, "redis_url": None}) as local:
            missing = await local.post("/graphql", json={"extensions": persisted(sha(QUERY))})
            assert code_of(missing) == "PERSISTED_QUERY_NOT_FOUND"
