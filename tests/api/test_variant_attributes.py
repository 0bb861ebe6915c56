"""Variant attributes through the graph: staff give variants a colour and a size, shoppers filter the
product list by them (every name must match, any of a name's values will do), and bad input is
refused with the field it is about."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

SET = """mutation($id: ID!, $attributes: [VariantAttributeInput!]!) {
  productVariantAttributesSet(id: $id, attributes: $attributes) {
    productVariant { id attributes { name value } } userErrors { field code }
  }
}"""
LIST = """query($filter: ProductFilter) { products(first: 100, filter: $filter) {
  totalCount edges { node { id } } } }"""


@pytest.fixture
async def admin(client: GraphQLClient, engine: AsyncEngine) -> str:
    return await client.staff_token(engine)


@pytest.fixture
async def products(client: GraphQLClient) -> list[dict[str, Any]]:
    page = await client.data("{ products(first: 3) { edges { node { id variants { id } } } } }")
    return [e["node"] for e in page["products"]["edges"]]


async def _set(client: GraphQLClient, token: str, variant: str, **attributes: str) -> dict[str, Any]:
    pairs = [{"name": k, "value": v} for k, v in attributes.items()]
    payload: dict[str, Any] = (await client.data(SET, {"id": variant, "attributes": pairs}, token=token))[
        "productVariantAttributesSet"
    ]
    return payload


async def _ids(client: GraphQLClient, *filters: dict[str, Any]) -> set[str]:
    page = await client.data(LIST, {"filter": {"attributes": list(filters)}})
    assert page["products"]["totalCount"] == len(page["products"]["edges"])
    return {e["node"]["id"] for e in page["products"]["edges"]}


async def test_shoppers_filter_products_by_colour_and_size(
    client: GraphQLClient, admin: str, products: list[dict[str, Any]], statements: StatementCounter
) -> None:
    white_m, black_l, white_s = (p["variants"][0]["id"] for p in products)
    done = await _set(client, admin, white_m, colour="白色", size=" M ")
    assert done == {
        "productVariant": {
            "id": white_m,
            "attributes": [{"name": "colour", "value": "白色"}, {"name": "size", "value": "M"}],
        },
        "userErrors": [],
    }
    await _set(client, admin, black_l, colour="黑色", size="L")
    await _set(client, admin, white_s, Colour="白色", size="S")  # names are keys: lower case
    first, second, third = (p["id"] for p in products)

    assert await _ids(client, {"name": "colour", "values": ["白色"]}) == {first, third}
    assert await _ids(client, {"name": "colour", "values": ["白色", "黑色"]}) == {first, second, third}
    assert await _ids(client, {"name": "colour", "values": ["白色"]}, {"name": "size", "values": ["S", "L"]}) == {third}
    assert await _ids(client, {"name": "material", "values": ["cotton"]}) == set()
    statements.reset()
    await _ids(client, {"name": "colour", "values": ["白色"]}, {"name": "size", "values": ["M"]})
    assert statements.count <= 3, statements.statements  # the page and its count: the filter adds none

    cleared = await _set(client, admin, white_m)
    assert cleared["productVariant"]["attributes"] == []
    assert await _ids(client, {"name": "colour", "values": ["白色"]}) == {third}


async def test_bad_attributes_are_refused_with_their_fields(
    client: GraphQLClient, admin: str, products: list[dict[str, Any]]
) -> None:
    variant = products[0]["variants"][0]["id"]
    bad = [{"name": "colour", "value": "red"}, {"name": "COLOUR", "value": " "}, {"name": "2 words", "value": "x"}]
    refused = (await client.data(SET, {"id": variant, "attributes": bad}, token=admin))["productVariantAttributesSet"]
    assert refused["productVariant"] is None
    assert refused["userErrors"] == [
        {"field": ["attributes", "1", "name"], "code": "DUPLICATE"},
        {"field": ["attributes", "1", "value"], "code": "INVALID"},
        {"field": ["attributes", "2", "name"], "code": "INVALID"},
    ]
    missing = await client.data(SET, {"id": "UHJvZHVjdFZhcmlhbnQ6OTk5OTk=", "attributes": []}, token=admin)
    assert missing["productVariantAttributesSet"]["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    body = await client.post(LIST, {"filter": {"attributes": [{"name": "no such key!", "values": ["x"]}]}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
