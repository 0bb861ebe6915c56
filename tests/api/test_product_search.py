"""Storefront search as shoppers type it: Chinese without spaces, English words, SKUs and colours,
every term required, best matches (words in the name) first, keyset pages over the ranking."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Channel, Product, ProductChannelListing, ProductVariant
from tests.helpers import GraphQLClient, StatementCounter

# name, description, variants (SKU, name: colour / size)
CATALOGUE = [
    ("纯棉圆领T恤", "男女同款，舒适透气", [("TEE-WHT-M", "白色 / M"), ("TEE-BLK-L", "黑色 / L")]),
    ("纯棉衬衫", "商务休闲", [("SHIRT-WHT-M", "白色 / M")]),
    ("羊毛 T恤", "保暖", [("WOOL-GRY-S", "灰色 / S")]),
    ("Merino Hoodie", "Soft merino wool with a 纯棉 lining", [("HOOD-NVY-M", "Navy / M")]),
    ("白色帆布鞋", "经典款", [("SHOE-WHT-40", "白色 / 40")]),
]

SEARCH = """query($search: String, $first: Int, $after: String, $last: Int, $before: String, $sort: ProductSort) {
  products(search: $search, first: $first, after: $after, last: $last, before: $before, sortBy: $sort) {
    totalCount
    edges { node { name variants { sku } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.fixture
async def shop(demo: AsyncEngine) -> AsyncEngine:
    """The demo catalogue (English names) and CATALOGUE, published in the `online` channel."""
    async with demo.begin() as conn:
        online = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "online"))
        for n, (name, description, variants) in enumerate(CATALOGUE):
            product = await conn.scalar(
                sa.insert(Product).values(name=name, slug=f"search-{n}", description=description).returning(Product.id)
            )
            await conn.execute(
                sa.insert(ProductVariant), [{"product_id": product, "sku": s, "name": v} for s, v in variants]
            )
            await conn.execute(
                sa.insert(ProductChannelListing).values(product_id=product, channel_id=online, is_published=True)
            )
    return demo


async def search(client: GraphQLClient, text: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(SEARCH, {"search": text, "first": 50, **variables}))["products"]
    return result


async def found(client: GraphQLClient, text: str) -> list[str]:
    page = await search(client, text)
    assert page["totalCount"] == len(page["edges"])
    return [e["node"]["name"] for e in page["edges"]]


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("纯棉 T恤", ["纯棉圆领T恤"]),  # both terms, in one name without spaces
        ("t恤", ["纯棉圆领T恤", "羊毛 T恤"]),
        ("圆领", ["纯棉圆领T恤"]),  # two characters: shorter than a trigram
        ("男女同款", ["纯棉圆领T恤"]),  # in the description
        ("白色", ["白色帆布鞋", "纯棉圆领T恤", "纯棉衬衫"]),  # a colour: the name's match first, then variants'
        ("TEE-BLK-L", ["纯棉圆领T恤"]),  # a SKU
        ("shirt-wht", ["纯棉衬衫"]),  # part of a SKU, any case
        ("merino HOODIE", ["Merino Hoodie"]),
        ("soft wool", ["Merino Hoodie"]),  # English words of the description
        ("纯棉 merino", ["Merino Hoodie"]),  # mixed
        ("纯棉", ["纯棉圆领T恤", "纯棉衬衫", "Merino Hoodie"]),  # names first, the description's match last
        ("navy 40", []),  # every term must match the same product
        ("纯棉 羊毛", []),
        ("白%", []),  # literal
    ],
)
async def test_search_finds_every_term_across_name_description_skus_and_variants(
    client: GraphQLClient, text: str, names: list[str]
) -> None:
    assert await found(client, text) == names


@pytest.mark.usefixtures("shop")
async def test_pages_over_the_ranking_walk_it_once_forwards_and_backwards(client: GraphQLClient) -> None:
    ranked = await found(client, "白色")
    seen: list[str] = []
    after = None
    while True:
        page = await search(client, "白色", first=1, after=after)
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ranked
    back = await search(client, "白色", first=None, last=2, before=page["pageInfo"]["endCursor"])
    assert [e["node"]["name"] for e in back["edges"]] == ranked[:2]

    other = await client.post(SEARCH, {"search": "纯棉", "first": 1, "after": after})
    assert other["errors"][0]["message"] == "The cursor is not valid for this list and ordering."


@pytest.mark.usefixtures("shop")
async def test_a_search_with_a_sort_is_in_that_order(client: GraphQLClient) -> None:
    page = await search(client, "白色", sort={"field": "NAME", "direction": "DESC"})
    assert [e["node"]["name"] for e in page["edges"]] == ["纯棉衬衫", "纯棉圆领T恤", "白色帆布鞋"]


async def test_the_search_text_follows_every_write(shop: AsyncEngine, client: GraphQLClient) -> None:
    async with shop.begin() as conn:
        await conn.execute(sa.update(Product).where(Product.name == "纯棉衬衫").values(name="亚麻衬衫"))
        await conn.execute(sa.delete(ProductVariant).where(ProductVariant.sku == "TEE-WHT-M"))
        await conn.execute(sa.update(ProductVariant).where(ProductVariant.sku == "WOOL-GRY-S").values(name="白色 / S"))
        await conn.execute(sa.delete(Product).where(Product.name == "白色帆布鞋"))

    assert await found(client, "亚麻") == ["亚麻衬衫"]
    assert await found(client, "白色") == ["亚麻衬衫", "羊毛 T恤"]
    assert await found(client, "帆布") == []


LISTING = """query($search: String) { products(first: 50, search: $search) { edges { node {
  name pricing { priceRange { start { amount } } } variants { sku price { amount } stock { available } } } } } }"""


@pytest.mark.usefixtures("shop")
async def test_a_search_page_costs_the_statements_of_any_page(
    client: GraphQLClient, statements: StatementCounter
) -> None:
    await client.data(LISTING, {"search": None})  # the channel, cached after the first request
    counts = []
    for text in (None, "纯棉 T恤", "白色", "merino"):
        statements.reset()
        await client.data(LISTING, {"search": text})
        counts.append(statements.count)
    # the product page (matching and ranked in the same statement), the variants with prices and stock
    assert counts == [2, 2, 2, 2], statements.statements
