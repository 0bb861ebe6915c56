"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): media types and
status codes, GET and POST, the body cap, batching, and the production switches (GraphiQL,
introspection); GraphiQL's page itself is tests/api/test_graphiql.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.limits import negotiate
from api.settings import Settings
from tests.helpers import GraphQLClient, StatementCounter

GRAPHQL_RESPONSE = "application/graphql-response+json"
ASK_NEW = {"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
ASK_JSON = {"Accept": "application/json"}
OK_QUERY = "{ channels { slug } }"


@asynccontextmanager
async def http_client(engine: AsyncEngine, settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with `overrides` applied to the test settings."""
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def code_of(response: httpx.Response) -> str:
    [error] = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code


# --- media types (no database) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0.9, */*;q=0.1", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0, application/json", "application/json"),
        ("application/*", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", None),  # neither is acceptable: 406
        (f"{GRAPHQL_RESPONSE};q=nonsense", None),
        ("text/html", None),
        ("application/xml, text/plain;q=0.5", None),
        ("*/*;q=0", None),
    ],
)
def test_the_response_media_type_follows_accept(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


# --- POST and GET ----------------------------------------------------------------------------


async def test_post_json_answers_json(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"query": OK_QUERY})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] == {"channels": []}


async def test_graphql_response_json_when_asked(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"query": OK_QUERY}, headers=ASK_NEW)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json()["data"] == {"channels": []}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ channels { slug }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { categories(first: $n) { edges { cursor } } }", {"n": "x"}, "BAD_USER_INPUT"),
        (
            "{ a: __typename b: __typename " + " ".join(f"c{i}: __typename" for i in range(30)) + " }",
            None,
            "QUERY_TOO_COMPLEX",
        ),
    ],
)
async def test_request_errors_are_400_with_graphql_response_json_and_200_with_json(
    client: GraphQLClient, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = {"query": query, "variables": variables}
    new = await client.http.post("/graphql", json=body, headers=ASK_NEW)
    assert new.status_code == 400
    assert new.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in new.json() and code_of(new) == code
    legacy = await client.http.post("/graphql", json=body, headers=ASK_JSON)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert "data" not in legacy.json() and code_of(legacy) == code


async def test_request_errors_can_answer_422(engine: AsyncEngine, settings: Settings) -> None:
    """REQUEST_ERROR_STATUS=422: request errors take the earlier draft's status with
    application/graphql-response+json; application/json, field errors, HTTP-level refusals and
    THROTTLED keep theirs."""
    async with http_client(engine, settings, request_error_status=422) as http:
        for query, variables, code in [
            ("{ channels { slug }", None, "GRAPHQL_PARSE_FAILED"),
            ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
            ("query($n: Int!) { categories(first: $n) { edges { cursor } } }", {"n": "x"}, "BAD_USER_INPUT"),
        ]:
            new = await http.post("/graphql", json={"query": query, "variables": variables}, headers=ASK_NEW)
            assert new.status_code == 422 and "data" not in new.json() and code_of(new) == code
            legacy = await http.post("/graphql", json={"query": query, "variables": variables}, headers=ASK_JSON)
            assert legacy.status_code == 200 and code_of(legacy) == code
        unknown = await http.post(
            "/graphql", headers=ASK_NEW, json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
        )
        assert unknown.status_code == 422 and code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
        field = await http.post(
            "/graphql", json={"query": "{ categories(first: 101) { edges { cursor } } }"}, headers=ASK_NEW
        )
        assert field.status_code == 200 and code_of(field) == "BAD_USER_INPUT"
        malformed = await http.post("/graphql", content=b"{", headers={**ASK_NEW, "Content-Type": "application/json"})
        assert malformed.status_code == 400 and code_of(malformed) == "BAD_REQUEST"
        assert (await http.post("/graphql", json={"query": OK_QUERY}, headers=ASK_NEW)).status_code == 200
    async with http_client(
        engine, settings, request_error_status=422, rate_limit_bucket=1, rate_limit_restore_rate=0.01
    ) as http:
        await http.post("/graphql", json={"query": OK_QUERY}, headers=ASK_NEW)  # empties the bucket
        throttled = await http.post("/graphql", json={"query": OK_QUERY}, headers=ASK_NEW)
        assert throttled.status_code == 429 and code_of(throttled) == "THROTTLED"


@pytest.mark.parametrize("value", ["400", "422"])
def test_request_error_status_setting(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_ERROR_STATUS", value)
    assert Settings(_env_file=None).request_error_status == int(value)  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["200", "401", "500", "x"])
def test_request_error_status_must_be_400_or_422(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_ERROR_STATUS", value)
    with pytest.raises(ValueError, match="request_error_status"):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_field_errors_are_200_with_either_media_type(client: GraphQLClient) -> None:
    for headers in (ASK_NEW, ASK_JSON):
        response = await client.http.post(
            "/graphql", json={"query": "{ categories(first: 101) { edges { cursor } } }"}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["data"] is None and code_of(response) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"{", "application/json", "Unable to parse request body as JSON"),
        (b'"a string"', "application/json", "The body must be a JSON object with a `query`."),
        (b"{}", "application/json", "No GraphQL query found in the request"),
        (b'{"query": 1}', "application/json", "The GraphQL operation's `query` must be a string or null, if provided."),
        (
            b'{"query": "{ __typename }", "variables": []}',
            "application/json",
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
    ],
)
async def test_malformed_requests_are_400_with_a_coded_error(
    client: GraphQLClient, content: bytes, content_type: str, message: str
) -> None:
    for headers in (ASK_NEW, ASK_JSON):
        response = await client.http.post(
            "/graphql", content=content, headers={**headers, "Content-Type": content_type}
        )
        assert response.status_code == 400
        assert response.json()["errors"] == [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-datax", None],
)
async def test_a_post_that_is_not_json_is_415(
    client: GraphQLClient, statements: StatementCounter, content_type: str | None
) -> None:
    statements.reset()
    headers = {**ASK_NEW, **({"Content-Type": content_type} if content_type else {})}
    response = await client.http.post("/graphql", content=b'{"query": "{ channels { slug } }"}', headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert code_of(response) == "UNSUPPORTED_MEDIA_TYPE"
    assert statements.count == 0
    charset = await client.http.post(
        "/graphql",
        content=b'{"query": "{ channels { slug } }"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 200


async def test_media_types_are_case_insensitive(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql",
        content=b'{"query": "{ channels { slug } }"}',
        headers={"Content-Type": "Application/JSON; Charset=UTF-8", "Accept": "Application/GraphQL-Response+JSON"},
    )
    assert response.status_code == 200 and response.json()["data"] == {"channels": []}
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    page = await client.http.get("/graphql", headers={"Accept": "Text/HTML"})
    assert page.status_code == 200 and "<title>Omnishop GraphiQL" in page.text


@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_a_cached_answer_is_not_served_to_a_post_that_is_not_json(
    engine: AsyncEngine, settings: Settings, content_type: str | None
) -> None:
    body = b'{"query": "{ channels { slug } }"}'
    async with http_client(engine, settings, response_cache=True) as http:
        for _ in range(2):
            cached = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert cached.headers.get("x-cache") == "HIT"
        response = await http.post(
            "/graphql", content=body, headers={"Content-Type": content_type} if content_type else {}
        )
        assert response.status_code == 415 and code_of(response) == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_accept_that_allows_no_json_is_406(
    client: GraphQLClient, statements: StatementCounter, method: str
) -> None:
    statements.reset()
    response = await client.http.request(
        method,
        "/graphql",
        params={"query": OK_QUERY} if method == "GET" else None,
        json={"query": OK_QUERY} if method == "POST" else None,
        headers={"Accept": "application/xml"},
    )
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/json"
    assert code_of(response) == "NOT_ACCEPTABLE"
    assert statements.count == 0


async def test_queries_over_get(client: GraphQLClient) -> None:
    response = await client.http.get(
        "/graphql",
        params={"query": "query($n: Int) { categories(first: $n) { edges { cursor } } }", "variables": '{"n": 5}'},
        headers=ASK_JSON,
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"categories": {"edges": []}}


async def test_a_mutation_over_get_is_405_and_does_not_run(client: GraphQLClient, statements: StatementCounter) -> None:
    statements.reset()
    response = await client.http.get(
        "/graphql",
        params={"query": 'mutation { tokenRevoke(input: {refreshToken: "x"}) { userErrors { code } } }'},
        headers=ASK_JSON,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "METHOD_NOT_ALLOWED"
    assert statements.count == 0


async def test_an_invalid_bearer_token_is_401(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql", json={"query": OK_QUERY}, headers={**ASK_NEW, "Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert code_of(response) == "UNAUTHENTICATED"


# --- the body cap --------------------------------------------------------------------------------


async def test_a_body_over_the_cap_is_413(client: GraphQLClient) -> None:
    query = "{ __typename }" + " " * 1_048_576
    response = await client.http.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_is_cut_off_at_the_cap(engine: AsyncEngine, settings: Settings) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(10):
            yield b"x" * 1024
        yield b'"}'

    async with http_client(engine, settings, max_body_bytes=4096) as http:
        response = await http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
        assert "content-length" not in response.request.headers  # sent chunked: only counting catches it
        assert response.status_code == 413
        small = await http.post("/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200


# --- batching ----------------------------------------------------------------------------------


async def test_batching_is_off_by_default(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json=[{"query": OK_QUERY}, {"query": OK_QUERY}])
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"
    assert "Batching is disabled" in response.json()["errors"][0]["message"]


async def test_batching_when_enabled(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, batching=True, batch_max_operations=3) as http:
        response = await http.post("/graphql", json=[{"query": OK_QUERY}, {"query": "{ nope }"}], headers=ASK_NEW)
        assert response.status_code == 200
        first, second = response.json()
        assert first["data"] == {"channels": []} and "cost" in first["extensions"]
        assert second["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        too_many = await http.post("/graphql", json=[{"query": OK_QUERY}] * 4)
        assert too_many.status_code == 400
        not_objects = await http.post("/graphql", json=[1, 2])
        assert not_objects.status_code == 400 and code_of(not_objects) == "BAD_REQUEST"


# --- production switches ------------------------------------------------------------------------

SHOP = "http://localhost:3000"


async def test_browsers_may_send_tracing_and_apollo_headers_and_read_retry_after(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", SHOP)  # one origin as plain text, as a shell would set it
    configured = Settings(**{**settings.model_dump(exclude={"cors_origins"}), "_env_file": None})
    assert configured.cors_origins == [SHOP]
    async with http_client(engine, configured) as http:
        wanted = "apollographql-client-name, sentry-trace, baggage, x-request-id, content-type, authorization"
        preflight = await http.options(
            "/graphql",
            headers={"Origin": SHOP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": wanted},
        )
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == SHOP
        response = await http.post("/graphql", json={"query": OK_QUERY}, headers={"Origin": SHOP})
        exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
        assert {"retry-after", "x-cache"} <= exposed


def test_list_settings_take_json_or_commas() -> None:
    assert Settings(cors_origins="https://a.example, https://b.example", _env_file=None).cors_origins == [
        "https://a.example",
        "https://b.example",
    ]
    assert Settings(cors_allow_headers='["x-one", "x-two"]', _env_file=None).cors_allow_headers == ["x-one", "x-two"]


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_graphiql_can_be_switched_off(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, graphiql=False) as http:
        response = await http.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert code_of(response) == "NOT_FOUND"
        assert (await http.post("/graphql", json={"query": OK_QUERY})).status_code == 200


async def test_introspection_is_on_by_default(client: GraphQLClient) -> None:
    assert (await client.data(INTROSPECTION)) == {"__schema": {"queryType": {"name": "Query"}}}


async def test_introspection_can_be_switched_off(
    engine: AsyncEngine, settings: Settings, statements: StatementCounter
) -> None:
    async with http_client(engine, settings, introspection=False) as http:
        statements.reset()
        for query in (INTROSPECTION, '{ __type(name: "Product") { name } }'):
            response = await http.post("/graphql", json={"query": query}, headers=ASK_NEW)
            assert response.status_code == 400
            assert "data" not in response.json() and code_of(response) == "INTROSPECTION_DISABLED"
        assert statements.count == 0
        typename = await http.post("/graphql", json={"query": "{ __typename }"})
        assert typename.json()["data"] == {"__typename": "Query"}
