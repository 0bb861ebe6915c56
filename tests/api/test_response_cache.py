"""The response cache, as a storefront meets it: a repeated anonymous query is answered from the
cache, and a change made through the API (a price, a publication, stock) is never hidden by it.
Signed-in callers, mutations, carts and orders are never cached."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.cli import _shared_cache_version
from api.settings import Settings
from domain.access.model import StaffRole
from tests.api.test_carts import open_shop
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import location_gid, sellable_products, variant_gid

pytestmark = pytest.mark.usefixtures("demo")

SLUG = "query($id: ID!) { node(id: $id) { ... on ProductVariant { product { slug } } } }"
PRODUCT = """query($slug: String!) { product(slug: $slug, channel: "online") { name variants { id
  price { amount } stock { available } } } }"""
LISTING = '{ products(first: 5, channel: "online") { edges { node { name } } } }'
SET_PRICE = """mutation($id: ID!, $price: Decimal!) { productVariantPriceSet(id: $id, input: {channel: "online",
  price: $price}) { userErrors { code } } }"""
ADJUST = """mutation($v: ID!, $l: ID!) { stockAdjust(input: {variantId: $v, locationId: $l, delta: -1,
  reason: "count"}) { userErrors { code } } }"""


@asynccontextmanager
async def worker(engine: AsyncEngine, settings: Settings, **changes: Any) -> AsyncIterator[GraphQLClient]:
    """One server process's app, with the response cache on."""
    app = create_app(settings.model_copy(update={"response_cache": True, **changes}), engine=engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        yield GraphQLClient(http)


@pytest.fixture
async def cached(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with worker(engine, settings) as client:
        yield client


async def post(
    client: GraphQLClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def test_a_repeated_storefront_query_is_answered_without_the_database(
    cached: GraphQLClient, statements: StatementCounter
) -> None:
    first = await post(cached, LISTING)
    assert first.headers.get("x-cache") is None and first.json()["data"]["products"]["edges"]
    statements.reset()
    second = await post(cached, LISTING)
    assert second.headers["x-cache"] == "HIT" and statements.count == 0
    assert second.json()["data"] == first.json()["data"]
    assert "throttleStatus" not in second.json()["extensions"]["cost"]  # nobody else's budget


async def test_each_storefront_operation_of_a_document_is_cached_by_its_name(cached: GraphQLClient) -> None:
    document = f'query Listing {LISTING} query Cart {{ cart(id: "x") {{ id }} }}'
    for name, hit in (("Listing", "HIT"), ("Cart", None)):
        for _ in range(2):
            response = await cached.http.post("/graphql", json={"query": document, "operationName": name})
        assert response.headers.get("x-cache") == hit, name


async def test_a_price_change_through_the_api_is_seen_at_once(cached: GraphQLClient, engine: AsyncEngine) -> None:
    [product] = await sellable_products(engine, 1)
    variant = variant_gid(product.variant_ids[0])
    slug = (await cached.data(SLUG, {"id": variant}))["node"]["product"]["slug"]

    def price(body: dict[str, Any]) -> str:
        return str(next(v for v in body["data"]["product"]["variants"] if v["id"] == variant)["price"]["amount"])

    before = price((await post(cached, PRODUCT, {"slug": slug})).json())
    assert (await post(cached, PRODUCT, {"slug": slug})).headers["x-cache"] == "HIT"
    admin = await cached.staff_token(engine, StaffRole.ADMIN)
    changed = await cached.data(SET_PRICE, {"id": variant, "price": "1.23"}, token=admin)
    assert changed["productVariantPriceSet"]["userErrors"] == []
    after = await post(cached, PRODUCT, {"slug": slug})
    assert after.headers.get("x-cache") is None and before != "1.23"
    assert price(after.json()) == "1.23"


async def test_a_price_change_in_one_worker_is_seen_at_once_by_the_others(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    """The workers of one `serve --workers N` without Redis share the version through a file."""
    [product] = await sellable_products(engine, 1)
    variant = variant_gid(product.variant_ids[0])
    shared = tmp_path / "cache-version"
    async with (
        worker(engine, settings, response_cache_version_file=shared) as first,
        worker(engine, settings, response_cache_version_file=shared) as second,
    ):
        slug = (await first.data(SLUG, {"id": variant}))["node"]["product"]["slug"]
        for _ in range(2):
            assert (await post(first, PRODUCT, {"slug": slug})).json()["data"]
        assert (await post(first, PRODUCT, {"slug": slug})).headers["x-cache"] == "HIT"
        admin = await second.staff_token(engine, StaffRole.ADMIN)
        changed = await second.data(SET_PRICE, {"id": variant, "price": "2.34"}, token=admin)
        assert changed["productVariantPriceSet"]["userErrors"] == []
        after = await post(first, PRODUCT, {"slug": slug})
        assert after.headers.get("x-cache") is None
        prices = {v["id"]: v["price"]["amount"] for v in after.json()["data"]["product"]["variants"]}
        assert str(prices[variant]) == "2.34"


def test_serve_gives_several_workers_a_shared_version_file_for_as_long_as_they_serve(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RESPONSE_CACHE_VERSION_FILE", raising=False)
    alone = settings.model_copy(update={"response_cache": True, "redis_url": None, "response_cache_version_file": None})
    with _shared_cache_version(alone, workers=2):
        path = Path(os.environ["RESPONSE_CACHE_VERSION_FILE"])
        assert path.exists()
    assert not path.exists()
    monkeypatch.delenv("RESPONSE_CACHE_VERSION_FILE")
    for changes, workers in (({}, 1), ({"redis_url": "redis://127.0.0.1:6379/0"}, 2), ({"response_cache": False}, 2)):
        with _shared_cache_version(alone.model_copy(update=changes), workers):
            assert "RESPONSE_CACHE_VERSION_FILE" not in os.environ, changes


async def test_a_stock_change_through_the_api_is_seen_at_once(cached: GraphQLClient, engine: AsyncEngine) -> None:
    shop = await open_shop(cached, engine)
    slug = (await cached.data(SLUG, {"id": shop.v(0)}))["node"]["product"]["slug"]
    stock = (await post(cached, PRODUCT, {"slug": slug})).json()["data"]["product"]["variants"]
    assert (await post(cached, PRODUCT, {"slug": slug})).headers["x-cache"] == "HIT"
    admin = await cached.staff_token(engine, StaffRole.ADMIN)
    assert (await cached.data(ADJUST, {"v": shop.v(0), "l": location_gid(shop.store_a)}, token=admin))["stockAdjust"][
        "userErrors"
    ] == []
    again = (await post(cached, PRODUCT, {"slug": slug})).json()["data"]["product"]["variants"]
    mine = next(v for v in again if v["id"] == shop.v(0))
    assert mine["stock"]["available"] == next(v for v in stock if v["id"] == shop.v(0))["stock"]["available"] - 1


async def test_signed_in_callers_mutations_and_guest_objects_are_never_cached(
    cached: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await cached.staff_token(engine, StaffRole.ADMIN)
    for _ in range(2):
        assert (await post(cached, LISTING, token=admin)).headers.get("x-cache") is None
    cart = 'mutation { cartCreate(input: {channel: "online"}) { cart { id } } }'
    ids = {(await post(cached, cart)).json()["data"]["cartCreate"]["cart"]["id"] for _ in range(2)}
    assert len(ids) == 2
    read = "query($id: ID!) { cart(id: $id) { id } }"
    some = next(iter(ids))
    for _ in range(2):
        assert (await post(cached, read, {"id": some})).headers.get("x-cache") is None
    bad = "{ products(first: 500) { edges { node { name } } } }"
    for _ in range(2):
        assert (await post(cached, bad)).headers.get("x-cache") is None


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"products": 1}},
        {"query": ["{ channels { slug } }"]},
        {"query": "{ channels { slug } }", "operationName": {"a": 1}},
        {"query": "{ channels { slug } }", "operationName": ["A"]},
    ],
)
async def test_a_query_or_operation_name_that_is_not_text_is_a_bad_request(
    cached: GraphQLClient, body: dict[str, Any]
) -> None:
    response = await cached.http.post("/graphql", json=body, headers={"Accept": "application/graphql-response+json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] in {"BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"}
