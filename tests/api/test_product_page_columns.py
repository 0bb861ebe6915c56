"""A product list's page reads only the columns its selection shows (db/product_list.py `PageColumns`):
a card without description or dates reads neither, one without pricing or availability reads no
listing prices; a selection that shows them, however it is written, gets them; and a sort by
newest or by price still pages by the columns it needs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

CARD = """query($first: Int, $after: String, $sort: ProductSort) {
  products(first: $first, after: $after, sortBy: $sort) {
    edges { node { id name slug } } pageInfo { hasNextPage endCursor } } }"""

FULL = """query($first: Int, $after: String, $sort: ProductSort) {
  products(first: $first, after: $after, sortBy: $sort) {
    edges { node { id name slug description createdAt updatedAt isPublished
      pricing { priceRange { start { amount } stop { amount } } } } }
    pageInfo { hasNextPage endCursor } } }"""

IN_FRAGMENTS = """fragment Dates on Product { createdAt }
fragment Card on Product { id name slug ... on Product { description updatedAt } ...Dates
  price: pricing { priceRange { start { amount } stop { amount } } } published: isPublished }
query($first: Int, $after: String, $sort: ProductSort) {
  products(first: $first, after: $after, sortBy: $sort) {
    edges { node { ...Card } } pageInfo { hasNextPage endCursor } } }"""

SORTS = [None, {"field": "NEWEST", "direction": "DESC"}, {"field": "PRICE", "direction": "ASC"}]


async def _walk(client: GraphQLClient, query: str, sort: dict[str, str] | None) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await client.data(query, {"first": 7, "after": after, "sort": sort}))["products"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("sort", SORTS, ids=["name", "newest", "price"])
async def test_a_card_pages_like_the_full_selection_in_every_order(
    client: GraphQLClient, sort: dict[str, str] | None
) -> None:
    full = await _walk(client, FULL, sort)
    assert [{k: n[k] for k in ("id", "name", "slug")} for n in full] == await _walk(client, CARD, sort)
    assert all(n["createdAt"] and n["updatedAt"] and n["pricing"] for n in full)
    aliased = {"price": "pricing", "published": "isPublished"}
    renamed = [{aliased.get(k, k): v for k, v in n.items()} for n in await _walk(client, IN_FRAGMENTS, sort)]
    assert sorted(renamed, key=lambda n: n["id"]) == sorted(full, key=lambda n: n["id"])


async def test_the_page_reads_only_the_columns_it_shows(client: GraphQLClient, statements: StatementCounter) -> None:
    def page_statement() -> str:
        return next(s for s in statements.statements if "FROM products" in s and "LIMIT" in s)

    for query, shown in ((CARD, False), (FULL, True), (IN_FRAGMENTS, True)):
        await client.data(query, {"first": 5})  # the channel cached
        statements.reset()
        await client.data(query, {"first": 5})
        text = page_statement()
        for column in ("products.description", "products.created_at", "products.updated_at", "min_price", "max_price"):
            assert (column in text) == shown, (column, text)
