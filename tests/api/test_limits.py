"""Query limits (depth, aliases, tokens, cost) refuse before anything runs; every response
carries `extensions.cost`; every top-level error has a documented code; unexpected errors
are masked outside debug mode (schema/cost.py, api/limits.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncEngine

import schema.channels.queries
import schema.cost
from api.app import create_app
from api.settings import Settings
from schema import build_schema
from schema.cost import LIST_SIZES, document_cost, query_cost
from schema.errors import ErrorCode
from tests.helpers import GraphQLClient, StatementCounter

GRAPHQL_SCHEMA = build_schema()._schema
CODES = {c.value for c in ErrorCode}


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    return query_cost(GRAPHQL_SCHEMA, parse(document), None, variables)


@asynccontextmanager
async def http_client(engine: AsyncEngine, settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with `overrides` applied to the test settings."""
    app = create_app(settings.model_copy(update=overrides), engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a request refused before execution (no `data` key at all)."""
    assert "data" not in body, body
    [error] = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def nested_categories(depth: int) -> str:
    """A query of `depth`: its deepest field sits `depth` levels below the root field `categories`."""
    inner = "name"
    for _ in range(depth - 3):
        inner = f"parent {{ {inner} }}"
    return f"{{ categories {{ edges {{ node {{ {inner} }} }} }} }}"


# --- the cost formula (no database) ----------------------------------------------------------


def test_the_documented_example_costs_152() -> None:
    doc = "{ products(first: 50) { edges { node { name category { name } } } pageInfo { hasNextPage } } }"
    assert cost(doc) == 152


def test_scalars_are_free_and_objects_cost_one() -> None:
    assert cost("{ __typename }") == 0
    assert cost("{ categories { totalCount } }") == 1
    assert cost("{ products { totalCount } }") == 1  # the connection object; no edges asked


def test_page_sizes_come_from_literals_variables_and_defaults() -> None:
    doc = (
        "query($n: Int = 5) { products(first: $n) { edges { node { ...P } } } } "
        "fragment P on Product { category { name } variants { sku } }"
    )
    assert cost(doc) == 1 + (3 + 5) * 5  # edges, node, category once per product, and 5 variants
    assert cost(doc, {"n": 10}) == 1 + (3 + 5) * 10
    assert cost("{ products { edges { node { name } } } }") == 1 + 2 * 20  # the default page size
    assert cost("{ products(last: 3) { edges { node { name } } } }") == 1 + 2 * 3
    # Clamped to 100: the field itself refuses larger pages.
    assert cost("{ products(first: 100000) { edges { node { name } } } }") == 1 + 2 * 100
    assert cost("{ products(first: 0) { edges { node { name } } } }") == 1


def test_a_documents_cost_is_worked_out_once_per_operation_and_page_size(monkeypatch: pytest.MonkeyPatch) -> None:
    document = parse(
        "query A($n: Int = 5, $ids: [ID!]!) { products(first: $n) { edges { node { name } } } nodes(ids: $ids) { id } }"
        " query B { products(first: 2) { edges { node { name } } } }"
    )
    cases: list[tuple[str, dict[str, Any] | None]] = [
        ("A", {"ids": []}),
        ("A", {"n": None, "ids": ["x"]}),  # explicitly null: the default page size, not the variable's default
        ("A", {"n": 7, "ids": ["x", "y"]}),
        ("A", {"n": 1000, "ids": []}),
        ("B", None),
    ]
    costs = [document_cost(GRAPHQL_SCHEMA, document, op, v) for op, v in cases]
    assert costs == [query_cost(GRAPHQL_SCHEMA, document, op, v) for op, v in cases] == [11, 42, 17, 201, 5]
    monkeypatch.setattr(schema.cost, "query_cost", _database_down)  # from now on, only what was worked out
    assert [document_cost(GRAPHQL_SCHEMA, document, op, v) for op, v in cases] == costs
    assert document_cost(GRAPHQL_SCHEMA, document, "A", {"n": 100, "ids": []}) == 201  # clamped alike


def test_nested_connections_multiply() -> None:
    doc = "{ members(first: 10) { edges { node { orders(first: 10) { edges { node { number } } } } } } }"
    assert cost(doc) == 1 + 10 + 10 + 10 + 100 + 100


def test_paged_lists_and_nodes_count_their_items() -> None:
    assert cost('{ nodes(ids: ["a", "b", "c"]) { id ... on Product { category { name } } } }') == 3 + 3
    assert cost("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["a"] * 7}) == 7
    doc = "{ nearbyStores(latitude: 31.2, longitude: 121.4, first: 5) { location { name } } }"
    assert cost(doc) == 5 + 5


def test_lists_without_a_page_size_count_their_expected_length() -> None:
    """Nothing in the request bounds a product's variants or an order's lines: each counts as
    many items as such a list typically holds (LIST_SIZES), not one."""
    assert cost("{ channels { slug } }") == LIST_SIZES["Query.channels"] == 5
    variants = LIST_SIZES["Product.variants"]
    doc = "{ products(first: 10) { edges { node { variants { sku stockLevels { onHand } } } } } }"
    assert cost(doc) == 1 + 10 + 10 + 10 * variants + 10 * variants * LIST_SIZES["ProductVariant.stockLevels"]
    lines = LIST_SIZES["Order.lines"]
    doc = "{ me { orders(first: 4) { edges { node { lines { quantity discounts { amount { amount } } } } } } } }"
    assert cost(doc) == 1 + 1 + 4 + 4 + 4 * lines + 4 * lines * 2 * 2  # a discount and its amount
    assert cost("{ categories(first: 2) { edges { node { children { name } } } } }") == 1 + 2 + 2 + 2 * 10
    assert cost('mutation { tokenRevoke(input: {refreshToken: "x"}) { userErrors { code } } }') == 2


def test_introspection_is_cheap_and_unknown_fields_cost_nothing() -> None:
    assert cost("{ __schema { types { name fields { name } } } }") == 3
    assert cost("{ nope { nothing } }") == 0


# --- limits through the API ----------------------------------------------------------------


async def test_every_response_carries_the_cost(client: GraphQLClient) -> None:
    body = await client.post("{ channels { slug } }")
    assert body == {
        "data": {"channels": []},
        "extensions": {
            "cost": {
                "requestedQueryCost": 5,
                "maxCost": 5000,
                "throttleStatus": {
                    "maximumAvailable": 1_000_000,
                    "currentlyAvailable": 999_995,
                    "restoreRate": 10000.0,
                },
            }
        },
    }
    body = await client.post("{ channels { slug }")  # does not even parse
    assert body["extensions"]["cost"] == {"requestedQueryCost": None, "maxCost": 5000}


async def test_a_query_too_deep_is_refused_before_any_sql(client: GraphQLClient, statements: StatementCounter) -> None:
    ok = await client.post(nested_categories(12))  # the limit
    assert ok["data"] == {"categories": {"edges": []}}
    statements.reset()
    ext = refusal(await client.post(nested_categories(13)))
    assert ext == {"code": "QUERY_TOO_COMPLEX", "limit": "depth", "maximum": 12}
    assert statements.count == 0


async def test_a_document_nested_beyond_the_parser_is_refused(client: GraphQLClient) -> None:
    ext = refusal(await client.post("{" + "a{" * 300 + "b" + "}" * 301))
    assert ext == {"code": "QUERY_TOO_COMPLEX", "limit": "depth"}


async def test_too_many_aliases_are_refused_before_any_sql(client: GraphQLClient, statements: StatementCounter) -> None:
    thirty = " ".join(f"c{i}: channels {{ slug }}" for i in range(30))
    assert "errors" not in await client.post(f"{{ {thirty} }}")
    statements.reset()
    ext = refusal(await client.post(f"{{ {thirty} c30: channels {{ slug }} }}"))
    assert ext == {"code": "QUERY_TOO_COMPLEX", "limit": "aliases", "maximum": 30}
    assert statements.count == 0


async def test_too_many_tokens_are_refused_before_any_sql(client: GraphQLClient, statements: StatementCounter) -> None:
    ext = refusal(await client.post("{" + " __typename" * 3000 + "}"))
    assert ext == {"code": "QUERY_TOO_COMPLEX", "limit": "tokens", "maximum": 3000}
    ext = refusal(await client.post("#" + "\n#" * 3000 + "\n{ __typename }"))  # comments count too
    assert ext["limit"] == "tokens"
    assert statements.count == 0


async def test_a_query_over_the_cost_limit_is_refused_before_any_sql(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    query = (
        "query($n: Int) { members(first: 100) { edges { node { name orders(first: $n) { edges { node "
        "{ number lines { quantity } } } } } } } }"
    )
    statements.reset()
    body = await client.post(query, {"n": 100})
    ext = refusal(body)
    assert ext == {"code": "QUERY_TOO_COMPLEX", "limit": "cost", "maximum": 5000, "cost": 70301}
    assert "70301" in body["errors"][0]["message"]
    assert body["extensions"]["cost"] == {"requestedQueryCost": 70301, "maxCost": 5000}  # nothing charged
    assert statements.count == 0
    # The same document with smaller pages runs (and fails only for want of a staff token).
    body = await client.post(query, {"n": 5})
    assert body["extensions"]["cost"]["requestedQueryCost"] == 301 + 700 * 5
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_limits_come_from_the_settings(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(
        engine, settings, max_query_depth=3, max_query_aliases=1, max_query_tokens=20, max_query_cost=10
    ) as http:

        async def ext(query: str) -> dict[str, Any]:
            return refusal((await http.post("/graphql", json={"query": query})).json())

        assert (await ext(nested_categories(4)))["maximum"] == 3
        assert (await ext("{ a: __typename b: __typename }"))["maximum"] == 1
        assert (await ext("{" + " __typename" * 20 + "}"))["maximum"] == 20
        assert (await ext("{ products(first: 5) { edges { node { name } } } }"))["maximum"] == 10
        ok = (await http.post("/graphql", json={"query": "{ channels { slug } }"})).json()
        assert ok["extensions"]["cost"]["requestedQueryCost"] == 5 and ok["extensions"]["cost"]["maxCost"] == 10


# --- error codes --------------------------------------------------------------------------------

LOCATIONS = "query($t: LocationType) { locations(type: $t) { edges { node { name } } } }"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ channels { slug }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ channels { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ locations(type: NOPE) { edges { node { name } } } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ products(first: "ten") { totalCount } }', None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ ...Missing }", None, "GRAPHQL_VALIDATION_FAILED"),
        (LOCATIONS, {"t": "NOPE"}, "BAD_USER_INPUT"),
        ("query($n: Int) { products(first: $n) { totalCount } }", {"n": "ten"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { products(first: $n) { totalCount } }", {}, "BAD_USER_INPUT"),
        ("query($n: Int) { products(first: $n) { totalCount } }", {"n": 2**31}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_requests_get_a_documented_code_and_no_data(
    client: GraphQLClient, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = await client.post(query, variables)
    assert "data" not in body
    assert body["errors"] and all(e["extensions"]["code"] == code for e in body["errors"])
    assert code in CODES


async def test_errors_raised_by_resolvers_keep_their_codes(client: GraphQLClient) -> None:
    body = await client.post("{ categories(first: 101) { edges { cursor } } }")
    assert body["data"] is None  # execution started: `data` is there
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["categories"]


# --- masking ------------------------------------------------------------------------------------

LEAKY = "SELECT secret_hash FROM staff_users WHERE id = 1"


def _database_down(*_args: Any, **_kwargs: Any) -> Any:
    raise sa.exc.OperationalError(LEAKY, {}, ConnectionRefusedError("connection to 10.0.0.5:5432 refused"))


def _no_leak(text: str) -> None:
    for secret in ("SELECT", "secret_hash", "staff_users", "10.0.0.5", "Traceback", "OperationalError", ".py"):
        assert secret not in text, secret


async def test_a_failing_resolver_is_masked(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema.channels.queries, "all_channels", _database_down)
    response = await client.http.post("/graphql", json={"query": "{ channels { slug } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["channels"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    _no_leak(response.text)


async def test_a_failure_before_execution_is_masked_too(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception outside the resolvers (here in an extension hook) is masked by the view."""
    monkeypatch.setattr(schema.cost, "document_cost", _database_down)
    response = await client.http.post("/graphql", json={"query": "{ channels { slug } }"})
    assert response.status_code == 200
    assert refusal(response.json()) == {"code": "INTERNAL_SERVER_ERROR"}
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    _no_leak(response.text)
    response = await client.http.post(
        "/graphql", json={"query": "{ channels { slug } }"}, headers={"Accept": "application/graphql-response+json"}
    )
    assert response.status_code == 500  # no `data`, and not the client's fault
    _no_leak(response.text)


async def test_debug_mode_shows_the_message_but_keeps_the_code(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema.channels.queries, "all_channels", _database_down)
    async with http_client(engine, settings, debug=True) as http:
        body = (await http.post("/graphql", json={"query": "{ channels { slug } }"})).json()
    [error] = body["errors"]
    assert "secret_hash" in error["message"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


# --- logging ------------------------------------------------------------------------------------


async def test_client_errors_are_logged_at_debug_only(client: GraphQLClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for query in (
        "{ channels { slug }",
        "{ nope }",
        "{ categories(first: 101) { edges { cursor } } }",
        "{ members { totalCount } }",
    ):
        assert (await client.post(query))["errors"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    client_errors = [r for r in caplog.records if r.name == "omnishop.errors"]
    assert len(client_errors) == 4 and all(r.levelno == logging.DEBUG and not r.exc_info for r in client_errors)


async def test_unexpected_errors_are_logged_with_their_traceback(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema.channels.queries, "all_channels", _database_down)
    caplog.set_level(logging.DEBUG)
    await client.post("query Shop { channels { slug } }")
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.name == "omnishop.errors" and record.levelno == logging.ERROR
    assert "Shop" in record.getMessage() and "channels" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], sa.exc.OperationalError)
