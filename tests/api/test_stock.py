"""Stock through the graph: staff count stock in and out and transfer it; shoppers see what a channel can sell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import InventoryMovement, StaffUser, VariantChannelListing
from domain.access.model import StaffRole
from domain.inventory.model import LocationType, MovementKind
from schema.relay import to_global_id
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import (
    CatalogueProduct,
    Level,
    add_location,
    channel_id,
    ledger,
    level,
    location_gid,
    movement_count,
    sellable_products,
    set_stock,
    snapshot,
    variant_gid,
)

pytestmark = pytest.mark.usefixtures("demo")

ADJUST = """
mutation Adjust($input: StockAdjustInput!) {
  stockAdjust(input: $input) {
    stockLevel { id onHand reserved available location { id code } variant { id sku } }
    userErrors { field message code }
  }
}"""

TRANSFER = """
mutation Transfer($input: StockTransferInput!) {
  stockTransfer(input: $input) {
    from { onHand reserved available location { id } variant { id } }
    to { onHand reserved available location { id } variant { id } }
    userErrors { field message code }
  }
}"""

VARIANT_STOCK = """
query($id: ID!, $channel: String) {
  product(id: $id, channel: $channel) {
    isAvailable
    online: isAvailable(channel: "online")
    pos: isAvailable(channel: "pos")
    variants { id stock { available } online: stock(channel: "online") { available }
               pos: stock(channel: "pos") { available } }
  }
}"""

STOCK_LEVELS = """
query($id: ID!) {
  node(id: $id) { ... on ProductVariant { stockLevels { id onHand reserved available location { id } } } }
}"""

AVAILABLE_PRODUCTS = """
query($available: Boolean, $channel: String) {
  products(first: 100, channel: $channel, filter: {isAvailable: $available}) {
    totalCount edges { node { id isAvailable } }
  }
}"""


@dataclass
class Shop:
    """Three sellable products, stores A (online + pos) and B (online), a warehouse W (online), and staff."""

    client: GraphQLClient
    engine: AsyncEngine
    admin: str
    products: list[CatalogueProduct]
    a: int
    b: int
    w: int

    @property
    def variant(self) -> int:
        return self.products[0].variant_ids[0]

    async def adjust(
        self,
        token: str | None = None,
        *,
        variant: int | str | None = None,
        location: int | str | None = None,
        delta: int = 1,
        reason: str = "delivery",
        kind: str | None = None,
    ) -> dict[str, Any]:
        body = await self.client.post(
            ADJUST,
            {
                "input": {
                    "variantId": gid(variant if variant is not None else self.variant, variant_gid),
                    "locationId": gid(location if location is not None else self.a, location_gid),
                    "delta": delta,
                    "reason": reason,
                    **({"kind": kind} if kind else {}),
                }
            },
            token=token or self.admin,
        )
        return body

    async def transfer(
        self,
        token: str | None = None,
        *,
        variant: int | str | None = None,
        source: int | str | None = None,
        target: int | str | None = None,
        quantity: int = 1,
    ) -> dict[str, Any]:
        body = await self.client.post(
            TRANSFER,
            {
                "input": {
                    "variantId": gid(variant if variant is not None else self.variant, variant_gid),
                    "fromLocationId": gid(source if source is not None else self.a, location_gid),
                    "toLocationId": gid(target if target is not None else self.b, location_gid),
                    "quantity": quantity,
                }
            },
            token=token or self.admin,
        )
        return body

    async def level(self, location: int, variant: int | None = None) -> Level | None:
        return await level(self.engine, variant or self.variant, location)

    async def movements(self, **filters: Any) -> int:
        """Movements of the test variant (the demo data has its own)."""
        return await movement_count(self.engine, **{"variant_id": self.variant, **filters})

    async def snapshot(self) -> tuple[int, list[tuple[int, int, int, int]]]:
        return await snapshot(self.engine)


def gid(value: int | str, encode: Any) -> str:
    return value if isinstance(value, str) else str(encode(value))


def payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][name]
    return result


def errors(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(code, last field path element) of each user error."""
    return [(e["code"], e["field"][-1] if e["field"] else None) for e in result["userErrors"]]


def top_level_code(body: dict[str, Any]) -> str:
    assert body.get("data") is None or all(v is None for v in body["data"].values()), body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
async def shop(client: GraphQLClient, engine: AsyncEngine) -> Shop:
    products = await sellable_products(engine, 4, channels=("online", "pos"))
    a = await add_location(engine, name="Store A", channels=("online", "pos"))
    b = await add_location(engine, name="Store B", channels=("online",))
    w = await add_location(engine, name="Warehouse", type=LocationType.WAREHOUSE, channels=("online",), priority=1)
    return Shop(client, engine, await client.staff_token(engine), products, a, b, w)


async def ledger_holds(engine: AsyncEngine) -> None:
    bad = [row for row in await ledger(engine) if not row.consistent]
    assert not bad, bad


async def member_token(client: GraphQLClient) -> str:
    await client.data(
        "mutation($i: MemberRegisterInput!) { memberRegister(input: $i) { userErrors { code } } }",
        {"i": {"name": "Ann Lee", "email": "ann@example.com", "password": "open-sesame-42"}},
    )
    data = await client.data(
        'mutation { tokenCreate(input: {identifier: "ann@example.com", password: "open-sesame-42"}) { accessToken } }'
    )
    token: str = data["tokenCreate"]["accessToken"]
    return token


# ---------------------------------------------------------------------------- stockAdjust


async def test_an_admin_receives_a_delivery_and_corrects_a_count(shop: Shop) -> None:
    received = payload(await shop.adjust(delta=12, reason="PO-1001 arrived", kind="RECEIVE"), "stockAdjust")
    assert received["userErrors"] == []
    stock = received["stockLevel"]
    assert (stock["onHand"], stock["reserved"], stock["available"]) == (12, 0, 12)
    assert stock["location"]["id"] == location_gid(shop.a) and stock["variant"]["id"] == variant_gid(shop.variant)

    corrected = payload(await shop.adjust(delta=-5, reason="stock-take"), "stockAdjust")
    assert corrected["userErrors"] == []
    assert (corrected["stockLevel"]["onHand"], corrected["stockLevel"]["available"]) == (7, 7)
    assert corrected["stockLevel"]["id"] == stock["id"]

    async with shop.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    InventoryMovement.kind,
                    InventoryMovement.on_hand_delta,
                    InventoryMovement.reserved_delta,
                    InventoryMovement.reason,
                    InventoryMovement.staff_id,
                )
                .where(InventoryMovement.variant_id == shop.variant)
                .order_by(InventoryMovement.id)
            )
        ).all()
        admin_id = await conn.scalar(sa.select(StaffUser.id).where(StaffUser.email == "admin@example.com"))
    assert [tuple(r) for r in rows] == [
        (MovementKind.RECEIVE, 12, 0, "PO-1001 arrived", admin_id),
        (MovementKind.ADJUSTMENT, -5, 0, "stock-take", admin_id),
    ]
    await ledger_holds(shop.engine)


async def test_reserved_units_cannot_be_counted_out(shop: Shop) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=5, reserved=3)
    before = await shop.movements()

    refused = payload(await shop.adjust(delta=-3, reason="damaged"), "stockAdjust")
    assert refused["stockLevel"] is None
    assert errors(refused) == [("INSUFFICIENT_STOCK", "delta")]
    assert "2" in refused["userErrors"][0]["message"]
    assert await shop.level(shop.a) == Level(5, 3)
    assert await shop.movements() == before

    allowed = payload(await shop.adjust(delta=-2, reason="damaged"), "stockAdjust")
    assert errors(allowed) == []
    assert (allowed["stockLevel"]["onHand"], allowed["stockLevel"]["reserved"]) == (3, 3)
    assert allowed["stockLevel"]["available"] == 0
    await ledger_holds(shop.engine)


async def test_counting_out_where_there_is_no_stock_level_writes_nothing(shop: Shop) -> None:
    refused = payload(await shop.adjust(location=shop.b, delta=-1, reason="lost"), "stockAdjust")
    assert errors(refused) == [("INSUFFICIENT_STOCK", "delta")]
    assert await shop.level(shop.b) is None  # the empty level made on the way was rolled back
    assert await shop.movements() == 0


@pytest.mark.parametrize(
    ("delta", "kind"),
    [(0, None), (1_000_001, None), (-1_000_001, None), (2**31 - 1, None), (-(2**31), None), (-4, "RECEIVE")],
)
async def test_bad_deltas_are_refused(shop: Shop, delta: int, kind: str | None) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    result = payload(await shop.adjust(delta=delta, kind=kind), "stockAdjust")
    assert errors(result) == [("INVALID_QUANTITY", "delta")]
    assert await shop.level(shop.a) == Level(10, 0)
    assert await shop.movements() == 1


async def test_a_delta_beyond_a_graphql_int_is_a_clear_input_error(shop: Shop) -> None:
    body = await shop.adjust(delta=2**31)
    assert "data" not in body  # a variable that does not coerce is a request error: nothing ran
    [error] = body["errors"]
    assert "delta" in error["message"] and "32-bit" in error["message"]  # not masked as "Unexpected error."
    assert await shop.movements() == 0


@pytest.mark.parametrize(("reason", "code"), [("", "REQUIRED"), ("   \n", "REQUIRED"), ("x" * 251, "INVALID")])
async def test_a_reason_is_required_and_short(shop: Shop, reason: str, code: str) -> None:
    result = payload(await shop.adjust(delta=3, reason=reason), "stockAdjust")
    assert errors(result) == [(code, "reason")]
    assert await shop.level(shop.a) is None and await shop.movements() == 0


async def test_every_input_error_is_reported_at_once(shop: Shop) -> None:
    result = payload(await shop.adjust(delta=0, reason=" "), "stockAdjust")
    assert sorted(errors(result)) == [("INVALID_QUANTITY", "delta"), ("REQUIRED", "reason")]


@pytest.mark.parametrize(
    ("variant", "location", "expected"),
    [
        (to_global_id("ProductVariant", 10**9), None, [("NOT_FOUND", "variantId")]),
        ("not-an-id", None, [("NOT_FOUND", "variantId")]),
        (to_global_id("ProductVariant", 10**17), None, [("NOT_FOUND", "variantId")]),
        (to_global_id("Product", 1), None, [("NOT_FOUND", "variantId")]),
        (None, to_global_id("Location", 10**9), [("NOT_FOUND", "locationId")]),
        (None, "%%%", [("NOT_FOUND", "locationId")]),
        (None, "", [("NOT_FOUND", "locationId")]),
        ("", to_global_id("Channel", 1), [("NOT_FOUND", "variantId"), ("NOT_FOUND", "locationId")]),
    ],
)
async def test_unknown_or_malformed_ids_are_not_found(
    shop: Shop, variant: str | None, location: str | None, expected: list[tuple[str, str]]
) -> None:
    before = await shop.snapshot()
    result = payload(await shop.adjust(variant=variant, location=location, delta=5), "stockAdjust")
    assert result["stockLevel"] is None
    assert errors(result) == expected
    assert await shop.snapshot() == before


# ---------------------------------------------------------------------------- stockTransfer


async def test_a_transfer_moves_units_and_returns_both_sides(shop: Shop) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10, reserved=2)
    moved = payload(await shop.transfer(quantity=6), "stockTransfer")
    assert moved["userErrors"] == []
    assert moved["from"] == {
        "onHand": 4,
        "reserved": 2,
        "available": 2,
        "location": {"id": location_gid(shop.a)},
        "variant": {"id": variant_gid(shop.variant)},
    }
    assert moved["to"] == {
        "onHand": 6,
        "reserved": 0,
        "available": 6,
        "location": {"id": location_gid(shop.b)},
        "variant": {"id": variant_gid(shop.variant)},
    }

    back = payload(await shop.transfer(source=shop.b, target=shop.a, quantity=1), "stockTransfer")
    assert (back["from"]["onHand"], back["to"]["onHand"]) == (5, 5)

    async with shop.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    InventoryMovement.kind,
                    InventoryMovement.location_id,
                    InventoryMovement.on_hand_delta,
                    InventoryMovement.reference,
                )
                .where(
                    InventoryMovement.variant_id == shop.variant,
                    InventoryMovement.kind.in_([MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN]),
                )
                .order_by(InventoryMovement.id)
            )
        ).all()
    assert [(r.kind, r.location_id, r.on_hand_delta) for r in rows] == [
        (MovementKind.TRANSFER_OUT, shop.a, -6),
        (MovementKind.TRANSFER_IN, shop.b, 6),
        (MovementKind.TRANSFER_OUT, shop.b, -1),
        (MovementKind.TRANSFER_IN, shop.a, 1),
    ]
    assert rows[0].reference == rows[1].reference != rows[2].reference == rows[3].reference
    assert rows[0].reference.startswith("transfer:")
    await ledger_holds(shop.engine)


async def test_a_transfer_goes_to_another_location(shop: Shop) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    result = payload(await shop.transfer(target=shop.a, quantity=1), "stockTransfer")
    assert (result["from"], result["to"]) == (None, None)
    assert errors(result) == [("INVALID", "toLocationId")]
    assert await shop.level(shop.a) == Level(10, 0) and await shop.movements() == 1


@pytest.mark.parametrize("quantity", [9, 11])
async def test_a_transfer_of_more_than_is_available_writes_nothing(shop: Shop, quantity: int) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10, reserved=2)
    result = payload(await shop.transfer(quantity=quantity), "stockTransfer")
    assert (result["from"], result["to"]) == (None, None)
    assert errors(result) == [("INSUFFICIENT_STOCK", "quantity")]
    assert "8" in result["userErrors"][0]["message"]
    assert await shop.level(shop.a) == Level(10, 2)
    assert await shop.level(shop.b) is None
    assert await shop.movements() == 2


async def test_a_transfer_into_a_lower_location_id_is_refused_as_a_whole(shop: Shop) -> None:
    # B -> A touches A (the lower id, receiving) first: the receipt must be undone when B is short.
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=3)
    await set_stock(shop.engine, shop.variant, shop.b, on_hand=2)
    result = payload(await shop.transfer(source=shop.b, target=shop.a, quantity=5), "stockTransfer")
    assert errors(result) == [("INSUFFICIENT_STOCK", "quantity")]
    assert await shop.level(shop.a) == Level(3, 0) and await shop.level(shop.b) == Level(2, 0)
    assert await shop.movements() == 2
    await ledger_holds(shop.engine)


@pytest.mark.parametrize("quantity", [0, -3, 1_000_001])
async def test_a_transfer_needs_a_sensible_quantity(shop: Shop, quantity: int) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    result = payload(await shop.transfer(quantity=quantity), "stockTransfer")
    assert errors(result) == [("INVALID_QUANTITY", "quantity")]
    assert await shop.movements() == 1


@pytest.mark.parametrize(
    ("variant", "source", "target", "expected"),
    [
        ("bogus", None, None, [("NOT_FOUND", "variantId")]),
        (None, to_global_id("Location", 10**9), None, [("NOT_FOUND", "fromLocationId")]),
        (None, None, "bogus", [("NOT_FOUND", "toLocationId")]),
        (
            to_global_id("ProductVariant", 10**9),
            "x",
            "y",
            [("NOT_FOUND", "variantId"), ("NOT_FOUND", "fromLocationId"), ("NOT_FOUND", "toLocationId")],
        ),
    ],
)
async def test_a_transfer_between_unknown_things_is_not_found(
    shop: Shop, variant: str | None, source: str | None, target: str | None, expected: list[tuple[str, str]]
) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    before = await shop.snapshot()
    result = payload(await shop.transfer(variant=variant, source=source, target=target, quantity=1), "stockTransfer")
    assert errors(result) == expected
    assert await shop.snapshot() == before


# ---------------------------------------------------------------------------- who may change stock


async def test_anonymous_callers_must_sign_in(shop: Shop) -> None:
    before = await shop.snapshot()
    assert (
        top_level_code(
            await shop.client.post(
                ADJUST,
                {
                    "input": {
                        "variantId": variant_gid(shop.variant),
                        "locationId": location_gid(shop.a),
                        "delta": 5,
                        "reason": "x",
                    }
                },
            )
        )
        == "UNAUTHENTICATED"
    )
    assert (
        top_level_code(
            await shop.client.post(
                TRANSFER,
                {
                    "input": {
                        "variantId": variant_gid(shop.variant),
                        "fromLocationId": location_gid(shop.a),
                        "toLocationId": location_gid(shop.b),
                        "quantity": 1,
                    }
                },
            )
        )
        == "UNAUTHENTICATED"
    )
    assert await shop.snapshot() == before


async def test_members_and_cashiers_cannot_change_stock(shop: Shop) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    tokens = [
        await member_token(shop.client),
        await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.a),
        await shop.client.staff_token(shop.engine, StaffRole.CASHIER, "floating-cashier@example.com"),
        await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT),
    ]
    for token in tokens:
        assert top_level_code(await shop.adjust(token, delta=5)) == "FORBIDDEN"
        assert top_level_code(await shop.transfer(token, quantity=1)) == "FORBIDDEN"
    assert await shop.level(shop.a) == Level(10, 0) and await shop.movements() == 1


async def test_a_store_manager_changes_stock_at_their_own_store_only(shop: Shop) -> None:
    await set_stock(shop.engine, shop.variant, shop.a, on_hand=10)
    await set_stock(shop.engine, shop.variant, shop.b, on_hand=10)
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.a)

    own = payload(await shop.adjust(manager, location=shop.a, delta=-1, reason="broken"), "stockAdjust")
    assert errors(own) == [] and own["stockLevel"]["onHand"] == 9

    assert top_level_code(await shop.adjust(manager, location=shop.b, delta=-1, reason="broken")) == "FORBIDDEN"
    assert top_level_code(await shop.adjust(manager, location=shop.w, delta=5, reason="found")) == "FORBIDDEN"
    assert top_level_code(await shop.transfer(manager, source=shop.b, target=shop.a, quantity=1)) == "FORBIDDEN"
    assert await shop.level(shop.b) == Level(10, 0)
    assert await shop.level(shop.w) is None
    assert await shop.movements(location_id=shop.b) == 1

    other = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, "b-manager@example.com", location_id=shop.b
    )
    theirs = payload(await shop.adjust(other, location=shop.b, delta=2), "stockAdjust")
    assert theirs["stockLevel"]["onHand"] == 12
    await ledger_holds(shop.engine)


# ---------------------------------------------------------------------------- what shoppers see


async def test_variant_stock_sums_the_channels_active_locations_only(shop: Shop) -> None:
    first, second = (
        shop.products[0].variant_ids[:2]
        if len(shop.products[0].variant_ids) > 1
        else (shop.products[0].variant_ids[0], None)
    )
    inactive = await add_location(shop.engine, name="Closed store", channels=("online", "pos"), is_active=False)
    unlinked = await add_location(shop.engine, name="Back room", channels=())
    await set_stock(shop.engine, first, shop.a, on_hand=5, reserved=1)  # online + pos: 4
    await set_stock(shop.engine, first, shop.b, on_hand=3)  # online: 3
    await set_stock(shop.engine, first, shop.w, on_hand=2, reserved=2)  # online: 0
    await set_stock(shop.engine, first, inactive, on_hand=100)  # nowhere
    await set_stock(shop.engine, first, unlinked, on_hand=50)  # nowhere

    data = await shop.client.data(VARIANT_STOCK, {"id": shop.products[0].gid, "channel": "pos"})
    product = data["product"]
    stock = {
        v["id"]: (v["stock"]["available"], v["online"]["available"], v["pos"]["available"]) for v in product["variants"]
    }
    assert stock[variant_gid(first)] == (4, 7, 4)  # `stock` without a channel follows the product's channel
    if second is not None:
        assert stock[variant_gid(second)] == (0, 0, 0)
    assert (product["isAvailable"], product["online"], product["pos"]) == (True, True, True)

    levels = (await shop.client.data(STOCK_LEVELS, {"id": variant_gid(first)}, token=shop.admin))["node"]
    by_location = {
        lv["location"]["id"]: (lv["onHand"], lv["reserved"], lv["available"]) for lv in levels["stockLevels"]
    }
    assert by_location == {
        location_gid(shop.a): (5, 1, 4),
        location_gid(shop.b): (3, 0, 3),
        location_gid(shop.w): (2, 2, 0),
        location_gid(inactive): (100, 0, 100),
        location_gid(unlinked): (50, 0, 50),
    }


async def test_a_product_is_available_only_with_sellable_stock_in_the_channel(shop: Shop) -> None:
    in_stock, empty, reserved, elsewhere = shop.products
    inactive = await add_location(shop.engine, channels=("online", "pos"), is_active=False)
    await set_stock(shop.engine, in_stock.variant_ids[-1], shop.b, on_hand=1)  # online only
    await set_stock(shop.engine, reserved.variant_ids[0], shop.a, on_hand=2, reserved=2)
    await set_stock(shop.engine, elsewhere.variant_ids[0], inactive, on_hand=9)

    async def flags(product: CatalogueProduct) -> tuple[bool, bool]:
        data = await shop.client.data(VARIANT_STOCK, {"id": product.gid})
        return data["product"]["online"], data["product"]["pos"]

    assert await flags(in_stock) == (True, False)
    assert await flags(empty) == (False, False)
    assert await flags(reserved) == (False, False)
    assert await flags(elsewhere) == (False, False)

    async def listed(available: bool, channel: str) -> set[str]:
        page = (await shop.client.data(AVAILABLE_PRODUCTS, {"available": available, "channel": channel}))["products"]
        assert page["totalCount"] == len(page["edges"])
        assert all(e["node"]["isAvailable"] is available for e in page["edges"])
        return {e["node"]["id"] for e in page["edges"]}

    ids = {p.gid for p in shop.products}
    assert await listed(True, "online") & ids == {in_stock.gid}
    assert await listed(False, "online") & ids == ids - {in_stock.gid}
    assert not await listed(True, "pos") & ids
    assert await listed(False, "pos") & ids == ids

    # Stock arriving through the graph makes it available at once.
    arrived = payload(await shop.adjust(variant=empty.variant_ids[0], location=shop.a, delta=1), "stockAdjust")
    assert errors(arrived) == []
    assert await flags(empty) == (True, True)
    assert empty.gid in await listed(True, "pos")


async def test_stock_of_a_variant_not_sold_in_the_channel_does_not_make_the_product_available(shop: Shop) -> None:
    product = next(p for p in shop.products if len(p.variant_ids) > 1)
    priced, unpriced = product.variant_ids[0], product.variant_ids[1]
    async with shop.engine.begin() as conn:
        await conn.execute(
            sa.delete(VariantChannelListing).where(
                VariantChannelListing.variant_id == unpriced,
                VariantChannelListing.channel_id == await channel_id(shop.engine, "online"),
            )
        )
    await set_stock(shop.engine, unpriced, shop.a, on_hand=4)  # sold in pos only

    data = await shop.client.data(VARIANT_STOCK, {"id": product.gid})
    assert (data["product"]["online"], data["product"]["pos"]) == (False, True)
    online = await shop.client.data(AVAILABLE_PRODUCTS, {"available": True, "channel": "online"})
    assert product.gid not in {e["node"]["id"] for e in online["products"]["edges"]}

    await set_stock(shop.engine, priced, shop.b, on_hand=1)
    data = await shop.client.data(VARIANT_STOCK, {"id": product.gid})
    assert (data["product"]["online"], data["product"]["pos"]) == (True, True)
