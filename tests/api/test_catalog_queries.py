"""Storefront catalogue reads, as an app or mini-program would make them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.model import StaffRole
from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $channel: String, $search: String,
      $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, last: $last, before: $before, channel: $channel, search: $search,
           filter: $filter, sortBy: $sort) {
    totalCount
    edges { cursor node { id name slug createdAt category { id name }
                          pricing { priceRange { start { amount currency } stop { amount } } }
                          variants { id sku price { amount currency } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def products(client: GraphQLClient, token: str | None = None, **variables: Any) -> dict[str, Any]:
    data = await client.data(PAGE, variables, token=token)
    result: dict[str, Any] = data["products"]
    return result


def names(page: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in page["edges"]]


async def published_count(engine: AsyncEngine, channel: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.text(
                    "SELECT count(*) FROM product_channel_listings l JOIN channels c ON c.id = l.channel_id "
                    "WHERE c.slug = :s AND l.is_published"
                ),
                {"s": channel},
            )
        )


async def test_anonymous_see_only_products_published_in_the_channel(client: GraphQLClient, engine: AsyncEngine) -> None:
    online = await products(client, first=100)
    pos = await products(client, first=100, channel="pos")
    assert online["totalCount"] == len(online["edges"]) == await published_count(engine, "online")
    assert pos["totalCount"] == await published_count(engine, "pos")
    assert set(names(online)) != set(names(pos))


async def test_staff_also_see_unpublished_products(client: GraphQLClient, engine: AsyncEngine) -> None:
    token = await client.staff_token(engine, StaffRole.ADMIN)
    staff_view = await products(client, token, first=100)
    assert staff_view["totalCount"] == 60 > await published_count(engine, "online")


async def test_paging_forwards_then_backwards_walks_the_same_items(client: GraphQLClient) -> None:
    first = await products(client, first=7)
    second = await products(client, first=7, after=first["pageInfo"]["endCursor"])
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert second["pageInfo"]["hasPreviousPage"]
    back = await products(client, last=7, before=second["pageInfo"]["startCursor"])
    assert names(back) == names(first)
    assert back["pageInfo"]["hasNextPage"] and not back["pageInfo"]["hasPreviousPage"]
    everything = names(await products(client, first=100))
    assert names(first) + names(second) == everything[:14]
    assert everything == sorted(everything)


async def test_walking_every_page_sees_each_product_once(client: GraphQLClient) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await products(client, first=9, after=after, sort={"field": "PRICE", "direction": "DESC"})
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]


async def test_sort_by_price_uses_the_lowest_variant_price_in_the_channel(client: GraphQLClient) -> None:
    for direction in ("ASC", "DESC"):
        page = await products(client, first=100, sort={"field": "PRICE", "direction": direction})
        starts = [Decimal(e["node"]["pricing"]["priceRange"]["start"]["amount"]) for e in page["edges"]]
        assert starts == sorted(starts, reverse=direction == "DESC")
        for edge in page["edges"]:
            prices = [Decimal(v["price"]["amount"]) for v in edge["node"]["variants"] if v["price"]]
            assert min(prices) == Decimal(edge["node"]["pricing"]["priceRange"]["start"]["amount"])


async def test_newest_first(client: GraphQLClient) -> None:
    page = await products(client, first=100, sort={"field": "NEWEST"})
    created = [e["node"]["createdAt"] for e in page["edges"]]
    assert created == sorted(created, reverse=True)


async def test_search_is_case_insensitive_and_literal(client: GraphQLClient) -> None:
    everything = names(await products(client, first=100))
    word = everything[0].split()[0]
    found = names(await products(client, first=100, search=word.upper()))
    assert found and all(word.lower() in n.lower() for n in found)
    assert (await products(client, first=100, search="%"))["edges"] == []
    assert (await products(client, first=100, search="_"))["edges"] == []


async def test_filter_by_top_level_category_includes_subcategories(client: GraphQLClient) -> None:
    tree = await client.data("{ categories(first: 100) { edges { node { id name children { id } } } } }")
    parent = next(e["node"] for e in tree["categories"]["edges"] if e["node"]["children"])
    child_ids = {c["id"] for c in parent["children"]}
    page = await products(client, first=100, filter={"categories": [parent["id"]]})
    assert page["edges"] and {e["node"]["category"]["id"] for e in page["edges"]} <= child_ids


async def test_filter_by_price_range(client: GraphQLClient) -> None:
    page = await products(client, first=100, filter={"price": {"gte": "100", "lte": "300"}})
    assert page["edges"]
    for edge in page["edges"]:
        prices = [Decimal(v["price"]["amount"]) for v in edge["node"]["variants"] if v["price"]]
        assert any(Decimal(100) <= p <= Decimal(300) for p in prices)


async def test_prices_follow_the_channel_the_product_was_listed_in(client: GraphQLClient) -> None:
    online = {e["node"]["slug"]: e["node"] for e in (await products(client, first=100))["edges"]}
    pos = {e["node"]["slug"]: e["node"] for e in (await products(client, first=100, channel="pos"))["edges"]}
    differing = [
        s for s in online.keys() & pos.keys() if online[s]["variants"][0]["price"] != pos[s]["variants"][0]["price"]
    ]
    assert differing, "the demo prices some items differently at the till"
    slug = differing[0]
    data = await client.data(
        'query($s: String!) { product(slug: $s) { variants { online: price pos: price(channel: "pos") { amount } } } }'.replace(  # noqa: E501
            "online: price", "online: price { amount }"
        ),
        {"s": slug},
    )
    variant = data["product"]["variants"][0]
    assert variant["online"]["amount"] == online[slug]["variants"][0]["price"]["amount"]
    assert variant["pos"]["amount"] == pos[slug]["variants"][0]["price"]["amount"]


async def test_product_by_slug_or_id_and_unknown_ones_are_null(client: GraphQLClient) -> None:
    node = (await products(client, first=1))["edges"][0]["node"]
    by_slug = await client.data("query($s: String!) { product(slug: $s) { id } }", {"s": node["slug"]})
    by_id = await client.data("query($i: ID!) { product(id: $i) { slug } }", {"i": node["id"]})
    assert by_slug["product"]["id"] == node["id"] and by_id["product"]["slug"] == node["slug"]
    missing = await client.data('{ a: product(slug: "no-such-thing") { id } b: product(id: "bm9wZQ") { id } }')
    assert missing == {"a": None, "b": None}


async def test_node_resolves_every_catalogue_type(client: GraphQLClient) -> None:
    node = (await products(client, first=1))["edges"][0]["node"]
    channel = (await client.data("{ channels { id } }"))["channels"][0]["id"]
    ids = [node["id"], node["variants"][0]["id"], node["category"]["id"], channel, "garbage", ""]
    data = await client.data("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids})
    assert [n and n["__typename"] for n in data["nodes"]] == [
        "Product",
        "ProductVariant",
        "Category",
        "Channel",
        None,
        None,
    ]
    assert [n["id"] for n in data["nodes"][:4]] == ids[:4]


async def test_products_published_nowhere_are_invisible_to_anonymous_node_lookups(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    edges = (await products(client, first=3))["edges"]
    hidden, shown = edges[0]["node"], edges[1]["node"]
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE product_channel_listings SET is_published = false WHERE product_id = "
                "(SELECT id FROM products WHERE slug = :s)"
            ),
            {"s": hidden["slug"]},
        )
    ids = [hidden["id"], hidden["variants"][0]["id"], shown["id"]]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert [n and n["id"] for n in (await client.data(query, {"ids": ids}))["nodes"]] == [None, None, shown["id"]]
    token = await client.staff_token(engine, StaffRole.CASHIER)
    assert [n["id"] for n in (await client.data(query, {"ids": ids}, token=token))["nodes"]] == ids


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 101}, "between 0 and 100"),
        ({"first": -1}, "between 0 and 100"),
        ({"first": 5, "last": 5}, "not both"),
        ({"after": "not-a-cursor"}, "cursor"),
        ({"filter": {"categories": ["garbage"]}}, "not a category id"),
        ({"filter": {"price": {"gte": "-5"}}}, "non-negative"),
        ({"search": "x" * 101}, "at most 100"),
    ],
)
async def test_bad_list_arguments_are_client_errors(
    client: GraphQLClient, variables: dict[str, Any], message: str
) -> None:
    body = await client.post(PAGE, variables)
    assert body["data"] is None
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_cursor_from_another_ordering_is_refused(client: GraphQLClient) -> None:
    cursor = (await products(client, first=2))["pageInfo"]["endCursor"]
    body = await client.post(PAGE, {"after": cursor, "sort": {"field": "PRICE"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_channel_is_not_found(client: GraphQLClient) -> None:
    body = await client.post(PAGE, {"channel": "nope"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


LISTING = """query($n: Int!) { products(first: $n) { edges { node {
  name category { name } pricing { priceRange { start { amount } } }
  variants { sku price { amount currency } stock { available } } } } } }"""


async def test_listing_costs_the_same_statements_for_10_or_50_products(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    counts = []
    for size in (10, 50, 10):
        statements.reset()
        data = await client.data(LISTING, {"n": size})
        assert len(data["products"]["edges"]) == size
        counts.append(statements.count)
    # channel (the first time only: then it is cached), product page (with listings and categories),
    # variants (with their prices and stock)
    assert counts == [3, 2, 2], statements.statements


DETAIL = """query($slug: String!) { product(slug: $slug) { name isAvailable
  category { name parent { name } } pricing { priceRange { start { amount } } }
  variants { sku price { amount } stock { available } } } }"""


async def test_the_product_page_derives_availability_from_its_variants(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    slugs = [e["node"]["slug"] for e in (await products(client, first=3))["edges"]]
    for slug in slugs:
        statements.reset()
        product = (await client.data(DETAIL, {"slug": slug}))["product"]
        # product with its listing, category with its parents, variants with their prices and stock:
        # no product-level stock sum for isAvailable (and the channel is cached after the first request)
        assert statements.count == 3, statements.statements
        stocked = [v for v in product["variants"] if v["price"] is not None and v["stock"]["available"] > 0]
        assert product["isAvailable"] == bool(stocked)


TRAIL = """query($slug: String!) { product(slug: $slug) {
  category { name parent { name parent { name } } } } }"""


async def test_the_product_page_shows_the_category_trail_in_one_statement(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    tree = await client.data("{ categories(first: 100) { edges { node { name parent { name } } } } }")
    parent_of = {e["node"]["name"]: (e["node"]["parent"] or {}).get("name") for e in tree["categories"]["edges"]}
    page = await client.data("{ products(first: 100) { edges { node { slug category { name } } } } }")
    nested = [e["node"] for e in page["products"]["edges"] if parent_of.get(e["node"]["category"]["name"])]
    assert nested, "the demo catalogue has products in subcategories"
    for node in nested[:3]:
        statements.reset()
        category = (await client.data(TRAIL, {"slug": node["slug"]}))["product"]["category"]
        assert category["name"] == node["category"]["name"]
        assert category["parent"]["name"] == parent_of[category["name"]]
        assert category["parent"]["parent"] is None  # the demo tree is two levels deep
        assert statements.count == 2, statements.statements  # the product with its listing; the trail
