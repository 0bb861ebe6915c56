"""Search finds attribute values: a shopper typing a colour ("白色") or a material finds the products
whose variants have it, even where no name, SKU or description says so; every term still has to
match, names still rank first, and staff's `productVariantAttributesSet` shows in the very next search."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Channel, Product, ProductChannelListing, ProductVariant
from schema.relay import to_global_id
from tests.helpers import GraphQLClient

# name, variants (SKU, variant name without its colour, attributes)
CATALOGUE: list[tuple[str, list[tuple[str, str, dict[str, str]]]]] = [
    (
        "纯棉圆领T恤",
        [("TEE-1", "M", {"colour": "白色", "size": "M"}), ("TEE-2", "L", {"colour": "黑色", "size": "L"})],
    ),
    ("羊毛 T恤", [("WOOL-1", "S", {"colour": "灰色", "material": "纯棉 混纺"})]),
    ("亚麻衬衫", [("SHIRT-1", "M", {"colour": "蓝色", "fit": "Slim Fit"})]),
    ("帆布鞋", [("SHOE-1", "40", {"colour": "白色", "size": "40码"})]),
    ("白色马克杯", [("MUG-1", "350 ml", {})]),
]

SEARCH = """query($search: String) { products(first: 50, search: $search) {
  totalCount edges { node { name } } } }"""
SET = """mutation($id: ID!, $attributes: [VariantAttributeInput!]!) {
  productVariantAttributesSet(id: $id, attributes: $attributes) { userErrors { field code } } }"""


@pytest.fixture
async def admin(client: GraphQLClient, engine: AsyncEngine) -> str:
    return await client.staff_token(engine)


@pytest.fixture
async def skus(demo: AsyncEngine, client: GraphQLClient, admin: str) -> dict[str, str]:
    """CATALOGUE, published online beside the (English) demo catalogue, its attributes set by staff
    through the graph; the variants' ids by SKU."""
    ids: dict[str, str] = {}
    async with demo.begin() as conn:
        online = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "online"))
        for n, (name, variants) in enumerate(CATALOGUE):
            product = await conn.scalar(
                sa.insert(Product).values(name=name, slug=f"attr-{n}", description="").returning(Product.id)
            )
            for sku, variant, _ in variants:
                key = await conn.scalar(
                    sa.insert(ProductVariant)
                    .values(product_id=product, sku=sku, name=variant)
                    .returning(ProductVariant.id)
                )
                ids[sku] = to_global_id("ProductVariant", key)
            await conn.execute(
                sa.insert(ProductChannelListing).values(product_id=product, channel_id=online, is_published=True)
            )
    for _, variants in CATALOGUE:
        for sku, _, attributes in variants:
            if attributes:
                await set_attributes(client, admin, ids[sku], **attributes)
    return ids


async def set_attributes(client: GraphQLClient, token: str, variant: str, **attributes: str) -> None:
    pairs = [{"name": k, "value": v} for k, v in attributes.items()]
    done = await client.data(SET, {"id": variant, "attributes": pairs}, token=token)
    assert done["productVariantAttributesSet"]["userErrors"] == []


async def found(client: GraphQLClient, text: str) -> list[str]:
    page: dict[str, Any] = (await client.data(SEARCH, {"search": text}))["products"]
    assert page["totalCount"] == len(page["edges"])
    return [e["node"]["name"] for e in page["edges"]]


@pytest.mark.usefixtures("skus")
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("黑色", {"纯棉圆领T恤"}),  # only in one variant's colour
        ("40码", {"帆布鞋"}),  # a size
        ("纯棉 T恤", {"纯棉圆领T恤", "羊毛 T恤"}),  # one in the name, one in the name and a material
        ("纯棉 混纺", {"羊毛 T恤"}),
        ("羊毛 黑色", set()),  # every term, and in the same product
        ("SLIM 衬衫", {"亚麻衬衫"}),  # English in an attribute, Chinese in the name
        ("slim fit", {"亚麻衬衫"}),  # (the demo's "Slim" clothes have no fit)
        ("colour", set()),  # names of attributes are not searched, values are
    ],
)
async def test_every_term_matches_across_names_and_attribute_values(
    client: GraphQLClient, text: str, names: set[str]
) -> None:
    assert set(await found(client, text)) == names


@pytest.mark.usefixtures("skus")
async def test_a_colour_finds_the_products_of_that_colour_names_first(client: GraphQLClient) -> None:
    ranked = await found(client, "白色")
    assert ranked[0] == "白色马克杯"  # the name's match before the attributes'
    assert set(ranked[1:]) == {"纯棉圆领T恤", "帆布鞋"}  # not the black, grey or blue ones, nor the demo's


async def test_an_attribute_set_or_removed_shows_in_the_next_search(
    engine: AsyncEngine, client: GraphQLClient, admin: str, skus: dict[str, str]
) -> None:
    await set_attributes(client, admin, skus["SHIRT-1"], colour="白色")
    assert set(await found(client, "白色")) == {"白色马克杯", "纯棉圆领T恤", "帆布鞋", "亚麻衬衫"}
    assert await found(client, "蓝色") == []

    await set_attributes(client, admin, skus["TEE-1"])  # [] clears them: white only through its other variant
    assert "纯棉圆领T恤" not in await found(client, "白色")
    assert await found(client, "黑色") == ["纯棉圆领T恤"]

    async with engine.begin() as conn:  # a variant or a product deleted takes its attributes with it
        await conn.execute(sa.delete(ProductVariant).where(ProductVariant.sku == "TEE-2"))
        await conn.execute(sa.delete(Product).where(Product.name == "帆布鞋"))
    assert await found(client, "黑色") == []
    assert await found(client, "纯棉圆领T恤") == ["纯棉圆领T恤"]
    assert await found(client, "40码") == []
    assert await found(client, "白色") == ["白色马克杯", "亚麻衬衫"]


async def test_a_value_two_variants_share_is_one_match(client: GraphQLClient, admin: str, skus: dict[str, str]) -> None:
    await set_attributes(client, admin, skus["TEE-2"], colour="白色", size="L")
    await set_attributes(client, admin, skus["TEE-1"], colour="黑色", size="M")  # one white variant left
    assert set(await found(client, "白色")) == {"白色马克杯", "纯棉圆领T恤", "帆布鞋"}
    await set_attributes(client, admin, skus["TEE-2"], size="L")
    assert set(await found(client, "白色")) == {"白色马克杯", "帆布鞋"}
