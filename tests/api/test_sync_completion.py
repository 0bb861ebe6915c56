"""The executor's shortcut (schema/execution.py) answers exactly as graphql-core does: every document
here is sent twice to the same app, with the shortcut and without it, and the two bodies must be
equal, errors and their paths included; and the shortcut does run on a storefront page."""

from __future__ import annotations

from typing import Any

import pytest

from schema import execution
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

LISTING = """query($first: Int!) { products(first: $first) { __typename totalCount
  edges { cursor node { __typename id name slug createdAt isAvailable isPublished
    category { id name parent { name } }
    pricing { currency priceRange { start { amount currency } stop { amount currency } } }
    variants { id sku name price { amount currency } stock { available }
               posPrice: price(channel: "pos") { amount } } } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

FRAGMENTS = """query($first: Int!, $withVariants: Boolean!, $skipName: Boolean!) {
  products(first: $first, sortBy: {field: PRICE, direction: DESC}) {
    edges { node { ...card ... on Product { slug } } } }
}
fragment card on Product { id name @skip(if: $skipName) title: name
  variants @include(if: $withVariants) { ...on ProductVariant { sku stock { available } } } }"""

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (LISTING, {"first": 20}),
    (LISTING, {"first": 3}),
    (FRAGMENTS, {"first": 5, "withVariants": True, "skipName": False}),
    (FRAGMENTS, {"first": 5, "withVariants": False, "skipName": True}),
    ("""{ categories(first: 50) { edges { node { id name slug parent { id } children { name } } } } }""", {}),
    (
        """{ channels { __typename id slug name currency kind ownership isDefault shipping { flatRate { amount } } } }""",  # noqa: E501
        {},
    ),
    # an unknown channel on a nested field: an error with its path, the rest of the page answered
    ("""{ products(first: 2) { edges { node { name variants { sku price(channel: "nope") { amount } } } } } }""", {}),
    ("""{ locations(first: 5) { edges { node { id name type openingHours { day opens closes } } } } }""", {}),
]


async def _both(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    fast = await client.post(query, variables)
    with monkeypatch.context() as m:
        m.setattr(execution.SyncCompletion, "_plan_for", lambda *_: None)
        plain = await client.post(query, variables)
    # (extensions.cost.throttleStatus differs: the second request found a fuller bucket)
    return {k: fast.get(k) for k in ("data", "errors")}, {k: plain.get(k) for k in ("data", "errors")}


@pytest.mark.parametrize(("query", "variables"), DOCUMENTS)
async def test_the_shortcut_answers_as_graphql_core_does(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any]
) -> None:
    fast, plain = await _both(client, monkeypatch, query, variables)
    assert fast == plain
    assert fast.get("data") is not None


async def test_a_product_page_and_node_lookups_answer_alike(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await client.data("{ products(first: 3) { edges { node { id slug variants { id } } } } }")
    nodes = [e["node"] for e in page["products"]["edges"]]
    detail = """query($slug: String!) { product(slug: $slug) { id name description category { name parent { name } }
      isAvailable variants { sku price { amount } stock { available } stockLevels { onHand location { name } } } } }"""
    for node in nodes:
        fast, plain = await _both(client, monkeypatch, detail, {"slug": node["slug"]})
        assert fast == plain
    ids = [n["id"] for n in nodes] + [v["id"] for n in nodes for v in n["variants"]] + ["bm90LWFuLWlk"]
    lookup = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on Product { name category { name } variants { sku price { amount } } }
      ... on ProductVariant { sku product { name } } } }"""
    fast, plain = await _both(client, monkeypatch, lookup, {"ids": ids})
    assert fast == plain


async def test_a_storefront_page_is_completed_by_plans(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    executed: list[str] = []
    execute_field = execution.SyncCompletion.execute_field

    def spy(self: execution.SyncCompletion, parent_type: Any, *args: Any) -> Any:
        executed.append(parent_type.name)
        return execute_field(self, parent_type, *args)

    monkeypatch.setattr(execution.SyncCompletion, "execute_field", spy)
    page = LISTING.replace('posPrice: price(channel: "pos") { amount }', "").replace("totalCount", "")
    assert "posPrice" not in page
    await client.data(page, {"first": 5})
    assert executed == ["Query"]  # graphql-core resolved `products`; a plan completed everything below it
    executed.clear()
    await client.data(LISTING, {"first": 5})  # a count, and another channel's prices: graphql-core awaits them
    assert len(executed) > 100


@pytest.mark.usefixtures("fresh_schemas")
async def test_plans_are_built_once_per_document_and_bound_to_each_requests_variables(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    build = execution.SyncCompletion._build

    def spy(self: execution.SyncCompletion, parent: Any, grouped_field_set: Any) -> Any:
        built.append(parent.name)
        return build(self, parent, grouped_field_set)

    monkeypatch.setattr(execution.SyncCompletion, "_build", spy)
    page = """query($first: Int!, $channel: String, $hide: Boolean!) { products(first: $first) { edges { node {
      name @skip(if: $hide) variants { sku price(channel: $channel) { amount currency } } } } } }"""
    await client.data(page, {"first": 3, "channel": None, "hide": False})
    assert {"ProductVariant", "Product", "Money"} <= set(built)
    built.clear()
    await client.data(page, {"first": 5, "channel": "online", "hide": False})
    assert built == []  # another page size, the channel named: the same plans
    for channel in ("pos", "nope", None):  # another channel's prices, an unknown channel: bound per request
        fast, plain = await _both(client, monkeypatch, page, {"first": 3, "channel": channel, "hide": False})
        assert fast == plain
    assert built == []
    hidden = await client.data(page, {"first": 3, "channel": None, "hide": True})
    assert "Product" in built  # `@skip` chose another selection: its own plans
    assert all("name" not in e["node"] for e in hidden["products"]["edges"])
