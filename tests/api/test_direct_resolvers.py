"""Which fields resolve without strawberry's per-call wrapper (schema/direct_resolvers.py), and that
such a field answers as strawberry's resolver would: arguments by their Python names, `info`
when asked for, the object as `self`."""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType

from schema import build_schema
from schema.direct_resolvers import direct_resolver
from tests.helpers import GraphQLClient


@pytest.fixture(scope="module")
def types() -> dict[str, GraphQLObjectType]:
    return {name: t for name, t in build_schema()._schema.type_map.items() if isinstance(t, GraphQLObjectType)}


def _is_direct(types: dict[str, GraphQLObjectType], type_name: str, field: str) -> bool:
    return getattr(types[type_name].fields[field].resolve, "__module__", "") == "schema.direct_resolvers"


@pytest.mark.parametrize(
    ("type_name", "field"),
    [
        ("Product", "name"),  # an attribute
        ("Product", "id"),  # a resolver without arguments
        ("ProductVariant", "price"),  # `channel: String`
        ("Query", "nearbyStores"),  # Float, ID and Boolean arguments with camelCase names
        ("Mutation", "appRevoke"),  # `id: ID!`
    ],
)
def test_fields_with_plain_arguments_resolve_directly(
    types: dict[str, GraphQLObjectType], type_name: str, field: str
) -> None:
    assert _is_direct(types, type_name, field)


@pytest.mark.parametrize(
    ("type_name", "field"),
    [
        ("Query", "products"),  # `filter:` and `sortBy:` are input objects strawberry builds
        ("Mutation", "productCreate"),  # `input:`
        ("Query", "orders"),  # an input object of enums
    ],
)
def test_fields_whose_arguments_strawberry_converts_keep_its_resolver(
    types: dict[str, GraphQLObjectType], type_name: str, field: str
) -> None:
    assert not _is_direct(types, type_name, field)


def test_subscriptions_keep_strawberrys_resolver(types: dict[str, GraphQLObjectType]) -> None:
    field = types["Subscription"].fields["stockChanged"]
    strawberry_field = field.extensions["strawberry-definition"]
    assert direct_resolver(strawberry_field, build_schema().config) is None


@pytest.mark.usefixtures("demo")
async def test_a_direct_resolver_passes_renamed_arguments_and_info(client: GraphQLClient) -> None:
    variant = (await client.data("{ products(first: 1) { edges { node { variants { id } } } } }"))["products"]["edges"][
        0
    ]["node"]["variants"][0]["id"]
    query = """query($v: ID) { nearbyStores(latitude: 31.23, longitude: 121.47, radiusKm: 50, variantId: $v,
                                            inStockOnly: false, first: 2) { distanceKm location { name } } }"""
    stores = (await client.data(query, {"v": variant}))["nearbyStores"]
    assert len(stores) == 2 and stores[0]["distanceKm"] <= stores[1]["distanceKm"]
    refused = await client.post(query.replace("radiusKm: 50", "radiusKm: 0"), {"v": variant})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
