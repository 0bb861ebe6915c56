"""Stock levels as a hostile shopper reads them (issue #13, item 6).

A stock level of an unpublished product (an embargoed launch) is not reachable by id, so its
variant's name and SKU and its product's description stay hidden; stock managers still see it.
Per-location `onHand` and `reserved` show sales velocity: only those who manage stock read them
(a refusal on the field, UNAUTHENTICATED or FORBIDDEN, as every guarded field of the schema does);
`available` is what shoppers need, and stays open.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import ProductChannelListing
from db.models import StockLevel as StockLevelModel
from domain.access.model import StaffRole
from schema.relay import to_global_id
from tests.api.test_members import new_member
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import add_location, sellable_products, set_stock, variant_gid

pytestmark = pytest.mark.usefixtures("demo")

LEVEL = """query($id: ID!) { node(id: $id) { ... on StockLevel { available location { code }
  variant { sku name product { name description } } } } }"""
LEVELS = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on StockLevel { available variant { sku } } } }"
UNITS = "query($id: ID!) { node(id: $id) { ... on ProductVariant { stockLevels { available onHand reserved } } } }"
SHOPPER = "query($id: ID!) { node(id: $id) { ... on ProductVariant { stockLevels { available location { code } } } } }"


@dataclass
class Stock:
    variant: str  # a published product's variant
    level: str  # its stock level
    secret_level: str  # a stock level of an unpublished product
    secret_sku: str


async def level_id(engine: AsyncEngine, variant_id: int, location_id: int) -> str:
    async with engine.connect() as conn:
        key = await conn.scalar(
            sa.select(StockLevelModel.id).where(
                StockLevelModel.variant_id == variant_id, StockLevelModel.location_id == location_id
            )
        )
    return to_global_id("StockLevel", key)


async def stock(engine: AsyncEngine) -> Stock:
    shown, hidden = await sellable_products(engine, 2)
    store = await add_location(engine)
    await set_stock(engine, shown.variant_ids[0], store, 9, 2)
    await set_stock(engine, hidden.variant_ids[0], store, 5)
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(ProductChannelListing)
            .where(ProductChannelListing.product_id == hidden.id)
            .values(is_published=False)
        )
        sku = await conn.scalar(sa.text("SELECT sku FROM product_variants WHERE id = :v"), {"v": hidden.variant_ids[0]})
    return Stock(
        variant_gid(shown.variant_ids[0]),
        await level_id(engine, shown.variant_ids[0], store),
        await level_id(engine, hidden.variant_ids[0], store),
        sku,
    )


async def tokens(client: GraphQLClient, engine: AsyncEngine) -> dict[str, str | None]:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    apps = {}
    for scope in ("INVENTORY_WRITE", "ORDERS_READ"):
        apps[scope] = (
            await client.data(
                f'mutation {{ appCreate(input: {{name: "A", scopes: [{scope}]}}) {{ token }} }}', token=admin
            )
        )["appCreate"]["token"]
    return {
        "anonymous": None,
        "member": (await new_member(client)).token,
        "admin": admin,
        "store_manager": await client.staff_token(engine, StaffRole.STORE_MANAGER),
        "cashier": await client.staff_token(engine, StaffRole.CASHIER),
        "app inventory:write": apps["INVENTORY_WRITE"],
        "app orders:read": apps["ORDERS_READ"],
    }


async def test_an_unpublished_products_stock_level_is_not_reachable_by_id(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    s = await stock(engine)
    who = await tokens(client, engine)
    for caller in ("anonymous", "member", "app orders:read"):
        body = await client.post(LEVEL, {"id": s.secret_level}, token=who[caller])
        assert body.get("errors") is None and body["data"] == {"node": None}, caller
        body = await client.post(LEVELS, {"ids": [s.level, s.secret_level]}, token=who[caller])
        assert s.secret_sku not in str(body), caller
        assert body["data"]["nodes"][0]["available"] == 7 and body["data"]["nodes"][1] is None, caller
    # staff who see unpublished products, and whoever manages stock, do reach it
    for caller in ("admin", "cashier", "app inventory:write"):
        level = (await client.data(LEVEL, {"id": s.secret_level}, token=who[caller]))["node"]
        assert level["variant"]["sku"] == s.secret_sku and level["available"] == 5, caller


async def test_units_on_hand_and_reserved_are_for_stock_managers(client: GraphQLClient, engine: AsyncEngine) -> None:
    s = await stock(engine)
    who = await tokens(client, engine)
    expected = {
        "anonymous": "UNAUTHENTICATED",
        "member": "FORBIDDEN",
        "cashier": "FORBIDDEN",
        "app orders:read": "FORBIDDEN",
    }
    for caller, code in expected.items():
        body = await client.post(UNITS, {"id": s.variant}, token=who[caller])
        assert {e["extensions"]["code"] for e in body["errors"]} == {code}, caller
        assert "9" not in str(body.get("data")), caller
        # what a shopper asks for is there, without an error
        shopper = await client.data(SHOPPER, {"id": s.variant}, token=who[caller])
        assert [lv["available"] for lv in shopper["node"]["stockLevels"]] == [7], caller
    for caller in ("admin", "store_manager", "app inventory:write"):
        levels = (await client.data(UNITS, {"id": s.variant}, token=who[caller]))["node"]["stockLevels"]
        assert levels == [{"available": 7, "onHand": 9, "reserved": 2}], caller
