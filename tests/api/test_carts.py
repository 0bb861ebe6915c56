"""Carts through the graph, as the app, the mini-program and the till use them: guest and member carts,
lines, fulfilment choices, points, totals computed from the channel's prices, and who may see a cart.

The helpers at the top (`open_shop`, the documents) are shared with the checkout and order tests.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Cart, Channel, ProductChannelListing, ProductVariant, VariantChannelListing
from domain.access.model import StaffRole
from domain.inventory.model import LocationType
from schema.relay import to_global_id
from tests.api.test_members import ADJUST, new_member
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import add_location, location_gid, sellable_products, set_stock, variant_gid

pytestmark = pytest.mark.usefixtures("demo")

PRICES = (Decimal("50.00"), Decimal("120.00"), Decimal("9.99"))
CART_FIELDS = """id isCompleted points pointsUsed appliedCoupon channel { slug }
  lines { id quantity isAvailable variant { id sku } unitPrice { amount currency } total { amount }
          discounts { label } }
  subtotal { amount currency } discountTotal { amount } pointsDiscount { amount } shipping { amount } total { amount }
  fulfillment { method pickupLocation { id } address { name phone line1 city country latitude longitude } }"""
ERRORS = "userErrors { field code message }"
CREATE = f"""mutation($input: CartCreateInput!) {{
  cartCreate(input: $input) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
ADD = f"""mutation($id: ID!, $lines: [CartLineInput!]!) {{
  cartLinesAdd(cartId: $id, lines: $lines) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($id: ID!, $lines: [CartLineUpdateInput!]!) {{
  cartLinesUpdate(cartId: $id, lines: $lines) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
REMOVE = f"""mutation($id: ID!, $ids: [ID!]!) {{
  cartLinesRemove(cartId: $id, lineIds: $ids) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
FULFIL = f"""mutation($id: ID!, $input: CartFulfillmentInput!) {{
  cartFulfillmentSet(cartId: $id, input: $input) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
POINTS = f"""mutation($id: ID!, $points: Int!) {{
  cartPointsApply(cartId: $id, points: $points) {{ cart {{ {CART_FIELDS} }} {ERRORS} }} }}"""
READ = f"""query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}"""


@dataclass
class Shop:
    """Three variants sold online and at the tills (50.00, 120.00, 9.99), a warehouse and two pickup stores."""

    client: GraphQLClient
    engine: AsyncEngine
    variants: list[int]
    warehouse: int
    store_a: int
    store_b: int

    def v(self, i: int) -> str:
        return variant_gid(self.variants[i])

    async def cart(
        self,
        lines: list[tuple[int, int]],
        *,
        channel: str = "online",
        token: str | None = None,
        member_id: str | None = None,
    ) -> dict[str, Any]:
        """A new cart with (variant index, quantity) lines; asserts it worked."""
        payload: dict[str, Any] = {
            "channel": channel,
            "lines": [{"variantId": self.v(i), "quantity": q} for i, q in lines],
        }
        if member_id is not None:
            payload["memberId"] = member_id
        created = (await self.client.data(CREATE, {"input": payload}, token=token))["cartCreate"]
        assert created["userErrors"] == [], created["userErrors"]
        cart: dict[str, Any] = created["cart"]
        return cart

    async def fulfil(self, cart_id: str, fulfilment: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = (await self.client.data(FULFIL, {"id": cart_id, "input": fulfilment}, token=token))[
            "cartFulfillmentSet"
        ]
        return result


async def set_price(engine: AsyncEngine, variant_id: int, price: Decimal, channels: tuple[str, ...]) -> None:
    async with engine.begin() as conn:
        ids = (await conn.scalars(sa.select(Channel.id).where(Channel.slug.in_(channels)))).all()
        await conn.execute(
            sa.update(VariantChannelListing)
            .where(VariantChannelListing.variant_id == variant_id, VariantChannelListing.channel_id.in_(ids))
            .values(price=price)
        )


async def open_shop(client: GraphQLClient, engine: AsyncEngine, stock: int = 10) -> Shop:
    """`stock` units of each variant in the warehouse and in store A; store B holds none."""
    products = await sellable_products(engine, 3, channels=("online", "pos"))
    variants = [p.variant_ids[0] for p in products]
    for v, price in zip(variants, PRICES, strict=True):
        await set_price(engine, v, price, ("online", "pos"))
    warehouse = await add_location(
        engine, type=LocationType.WAREHOUSE, channels=("online", "pos"), priority=10, latitude=31.0, longitude=121.0
    )
    store_a = await add_location(engine, channels=("online", "pos"), latitude=31.23, longitude=121.47)
    store_b = await add_location(engine, channels=("online", "pos"), latitude=31.3, longitude=121.5)
    for v in variants:
        await set_stock(engine, v, warehouse, stock)
        await set_stock(engine, v, store_a, stock)
    return Shop(client, engine, variants, warehouse, store_a, store_b)


def address(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Ann Lee",
        "phone": "138 0013 8000",
        "line1": "1 Nanjing Road",
        "city": "Shanghai",
        "country": "CN",
        "latitude": 31.24,
        "longitude": 121.48,
        **overrides,
    }


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def amounts(cart: dict[str, Any]) -> dict[str, str]:
    return {k: cart[k]["amount"] for k in ("subtotal", "discountTotal", "pointsDiscount", "shipping", "total")}


@pytest.fixture
async def shop(client: GraphQLClient, demo: AsyncEngine) -> Shop:
    return await open_shop(client, demo)


# --- lines and totals ----------------------------------------------------------------------------


async def test_a_guest_opens_a_cart_and_reads_it_back_by_its_id(shop: Shop) -> None:
    cart = await shop.cart([(0, 2), (2, 1)])
    assert cart["channel"] == {"slug": "online"} and cart["isCompleted"] is False
    assert [(ln["variant"]["id"], ln["quantity"], ln["unitPrice"], ln["total"]["amount"]) for ln in cart["lines"]] == [
        (shop.v(0), 2, {"amount": "50.00", "currency": "CNY"}, "100.00"),
        (shop.v(2), 1, {"amount": "9.99", "currency": "CNY"}, "9.99"),
    ]
    assert amounts(cart) == {
        "subtotal": "109.99",
        "discountTotal": "0.00",
        "pointsDiscount": "0.00",
        "shipping": "0.00",
        "total": "109.99",
    }
    assert cart["fulfillment"] is None and cart["appliedCoupon"] is None and cart["lines"][0]["discounts"] == []
    again = (await shop.client.data(READ, {"id": cart["id"]}))["cart"]
    assert again == cart


async def test_adding_a_variant_already_in_the_cart_adds_to_its_line(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    added = (
        await shop.client.data(
            ADD,
            {
                "id": cart["id"],
                "lines": [
                    {"variantId": shop.v(0), "quantity": 2},
                    {"variantId": shop.v(1), "quantity": 1},
                    {"variantId": shop.v(1), "quantity": 1},
                ],
            },
        )
    )["cartLinesAdd"]
    assert added["userErrors"] == []
    assert [(ln["variant"]["id"], ln["quantity"]) for ln in added["cart"]["lines"]] == [(shop.v(0), 3), (shop.v(1), 2)]
    assert added["cart"]["subtotal"]["amount"] == "390.00"


async def test_lines_are_updated_and_removed_by_line_id(shop: Shop) -> None:
    cart = await shop.cart([(0, 1), (1, 1)])
    first, second = (ln["id"] for ln in cart["lines"])
    updated = await shop.client.data(UPDATE, {"id": cart["id"], "lines": [{"lineId": first, "quantity": 5}]})
    assert updated["cartLinesUpdate"]["cart"]["lines"][0]["quantity"] == 5
    removed = (await shop.client.data(REMOVE, {"id": cart["id"], "ids": [second]}))["cartLinesRemove"]
    assert [ln["id"] for ln in removed["cart"]["lines"]] == [first]
    assert removed["cart"]["total"]["amount"] == "250.00"
    gone = await shop.client.data(UPDATE, {"id": cart["id"], "lines": [{"lineId": second, "quantity": 1}]})
    assert errors(gone["cartLinesUpdate"]) == [("NOT_FOUND", ["lines", "0", "lineId"])]


@pytest.mark.parametrize("quantity", [0, -1, 1000])
async def test_a_line_holds_1_to_999_units(shop: Shop, quantity: int) -> None:
    created = (
        await shop.client.data(
            CREATE,
            {
                "input": {
                    "lines": [{"variantId": shop.v(0), "quantity": 1}, {"variantId": shop.v(1), "quantity": quantity}]
                }
            },
        )
    )["cartCreate"]
    assert errors(created) == [("INVALID_QUANTITY", ["input", "lines", "1", "quantity"])]
    assert created["cart"] is None


async def test_adding_beyond_999_units_to_a_line_is_refused_and_changes_nothing(shop: Shop) -> None:
    cart = await shop.cart([(0, 998)])
    added = await shop.client.data(ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(0), "quantity": 2}]})
    assert errors(added["cartLinesAdd"]) == [("INVALID_QUANTITY", ["lines", "0", "quantity"])]
    assert (await shop.client.data(READ, {"id": cart["id"]}))["cart"]["lines"][0]["quantity"] == 998


async def test_only_variants_the_channel_sells_go_in_a_cart(shop: Shop) -> None:
    async with shop.engine.begin() as conn:  # unpublish the second product online
        product_id = await conn.scalar(
            sa.select(ProductVariant.product_id).where(ProductVariant.id == shop.variants[1])
        )
        online = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "online"))
        await conn.execute(
            sa.update(ProductChannelListing)
            .where(ProductChannelListing.product_id == product_id, ProductChannelListing.channel_id == online)
            .values(is_published=False)
        )
    created = (
        await shop.client.data(
            CREATE,
            {
                "input": {
                    "lines": [
                        {"variantId": shop.v(1), "quantity": 1},
                        {"variantId": to_global_id("ProductVariant", 10**9), "quantity": 1},
                        {"variantId": "not-an-id", "quantity": 1},
                    ]
                }
            },
        )
    )["cartCreate"]
    assert errors(created) == [("NOT_FOUND", ["input", "lines", str(i), "variantId"]) for i in range(3)]
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    pos_cart = await shop.cart([(1, 1)], channel="pos", token=cashier)  # still sold at the tills
    assert pos_cart["lines"][0]["variant"]["id"] == shop.v(1)


async def test_a_line_the_channel_stops_selling_shows_as_unavailable_and_leaves_the_totals(shop: Shop) -> None:
    cart = await shop.cart([(0, 1), (1, 1)])
    async with shop.engine.begin() as conn:
        await conn.execute(sa.delete(VariantChannelListing).where(VariantChannelListing.variant_id == shop.variants[1]))
    read = (await shop.client.data(READ, {"id": cart["id"]}))["cart"]
    assert [ln["isAvailable"] for ln in read["lines"]] == [True, False]
    assert read["total"]["amount"] == "50.00"


async def test_an_unknown_channel_is_not_found(shop: Shop) -> None:
    created = (await shop.client.data(CREATE, {"input": {"channel": "nope"}}))["cartCreate"]
    assert errors(created) == [("NOT_FOUND", ["input", "channel"])]


# --- fulfilment and shipping ---------------------------------------------------------------------


async def test_delivery_needs_an_address_and_ships_free_from_199(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    missing = await shop.fulfil(cart["id"], {"method": "DELIVERY"})
    assert errors(missing) == [("REQUIRED", ["input", "address"])]
    bad = await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address(name=" ", country="China")})
    assert sorted(errors(bad)) == [
        ("INVALID", ["input", "address", "country"]),
        ("REQUIRED", ["input", "address", "name"]),
    ]
    set_ = await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    assert set_["userErrors"] == []
    assert set_["cart"]["fulfillment"] == {
        "method": "DELIVERY",
        "pickupLocation": None,
        "address": {
            "name": "Ann Lee",
            "phone": "+8613800138000",
            "line1": "1 Nanjing Road",
            "city": "Shanghai",
            "country": "CN",
            "latitude": 31.24,
            "longitude": 121.48,
        },
    }
    assert amounts(set_["cart"]) == {
        "subtotal": "50.00",
        "discountTotal": "0.00",
        "pointsDiscount": "0.00",
        "shipping": "10.00",
        "total": "60.00",
    }
    more = await shop.client.data(ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(1), "quantity": 1}]})
    assert amounts(more["cartLinesAdd"]["cart"])["shipping"] == "10.00"  # 170.00 of goods
    free = await shop.client.data(ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(2), "quantity": 3}]})
    assert amounts(free["cartLinesAdd"]["cart"]) == {
        "subtotal": "199.97",
        "discountTotal": "0.00",
        "pointsDiscount": "0.00",
        "shipping": "0.00",
        "total": "199.97",
    }


async def test_pickup_needs_a_pickup_store_of_the_channel(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    assert errors(await shop.fulfil(cart["id"], {"method": "PICKUP"})) == [
        ("PICKUP_LOCATION_REQUIRED", ["input", "pickupLocationId"])
    ]
    assert errors(await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": "bogus"})) == [
        ("NOT_FOUND", ["input", "pickupLocationId"])
    ]
    assert errors(await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(10**9)})) == [
        ("NOT_FOUND", ["input", "pickupLocationId"])
    ]
    assert errors(
        await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.warehouse)})
    ) == [("INVALID", ["input", "pickupLocationId"])]
    pos_only = await add_location(shop.engine, channels=("pos",))
    assert errors(await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(pos_only)})) == [
        ("INVALID", ["input", "pickupLocationId"])
    ]
    closed = await add_location(shop.engine, is_active=False)
    assert errors(await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(closed)})) == [
        ("INVALID", ["input", "pickupLocationId"])
    ]
    ok = await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)})
    assert ok["userErrors"] == [] and ok["cart"]["fulfillment"] == {
        "method": "PICKUP",
        "pickupLocation": {"id": location_gid(shop.store_a)},
        "address": None,
    }
    assert amounts(ok["cart"])["shipping"] == "0.00"


@pytest.mark.parametrize("method", ["IN_STORE", "ENDLESS_AISLE"])
async def test_in_store_and_endless_aisle_are_only_for_a_tills_cart(shop: Shop, method: str) -> None:
    online = await shop.cart([(0, 1)])
    assert errors(await shop.fulfil(online["id"], {"method": method, "address": address()})) == [
        ("INVALID", ["input", "method"])
    ]
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    till = await shop.cart([(0, 1)], channel="pos", token=cashier)
    done = await shop.fulfil(till["id"], {"method": method, "address": address()}, token=cashier)
    assert done["userErrors"] == [] and done["cart"]["fulfillment"]["method"] == method
    if method == "IN_STORE":
        assert done["cart"]["fulfillment"]["pickupLocation"] == {"id": location_gid(shop.store_a)}
        assert done["cart"]["shipping"]["amount"] == "0.00"
    else:
        assert done["cart"]["shipping"]["amount"] == "10.00"
        assert errors(await shop.fulfil(till["id"], {"method": method}, token=cashier)) == [
            ("REQUIRED", ["input", "address"])
        ]


# --- points ----------------------------------------------------------------------------------------


async def test_a_member_pays_part_of_the_cart_with_points_up_to_half_of_it(shop: Shop) -> None:
    member = await new_member(shop.client)
    admin = await shop.client.staff_token(shop.engine)
    await shop.client.data(ADJUST, {"m": member.id, "d": 8000, "r": "welcome"}, token=admin)
    cart = await shop.cart([(0, 1)], token=member.token)
    applied = await shop.client.data(POINTS, {"id": cart["id"], "points": 3000}, token=member.token)
    assert applied["cartPointsApply"]["userErrors"] == []
    paid = applied["cartPointsApply"]["cart"]
    assert (paid["points"], paid["pointsUsed"]) == (3000, 2500)  # 50.00 x 50% = 25.00 = 2,500 points
    assert amounts(paid) == {
        "subtotal": "50.00",
        "discountTotal": "0.00",
        "pointsDiscount": "25.00",
        "shipping": "0.00",
        "total": "25.00",
    }
    too_many = await shop.client.data(POINTS, {"id": cart["id"], "points": 8001}, token=member.token)
    assert errors(too_many["cartPointsApply"]) == [("INSUFFICIENT_POINTS", ["points"])]
    negative = await shop.client.data(POINTS, {"id": cart["id"], "points": -1}, token=member.token)
    assert errors(negative["cartPointsApply"]) == [("INVALID_QUANTITY", ["points"])]


async def test_a_guest_cart_cannot_be_paid_with_points(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    refused = (await shop.client.data(POINTS, {"id": cart["id"], "points": 10}))["cartPointsApply"]
    assert errors(refused) == [("INVALID", ["cartId"])]


# --- who sees a cart ---------------------------------------------------------------------------


async def test_a_members_cart_is_theirs_alone(shop: Shop) -> None:
    ann = await new_member(shop.client)
    bo = await new_member(shop.client, email="bo@example.com", name="Bo")
    cart = await shop.cart([(0, 1)], token=ann.token)
    assert (await shop.client.data(READ, {"id": cart["id"]}, token=ann.token))["cart"]["id"] == cart["id"]
    for token in (
        bo.token,
        None,
        await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a),
    ):
        assert (await shop.client.data(READ, {"id": cart["id"]}, token=token))["cart"] is None
        added = await shop.client.data(
            ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(1), "quantity": 1}]}, token=token
        )
        assert errors(added["cartLinesAdd"]) == [("NOT_FOUND", ["cartId"])]
    node = await shop.client.data(
        "query($id: ID!) { node(id: $id) { id ... on Cart { total { amount } } } }", {"id": cart["id"]}, token=ann.token
    )
    assert node["node"] == {"id": cart["id"], "total": {"amount": "50.00"}}


async def test_a_tills_cart_is_for_the_staff_of_that_store(shop: Shop) -> None:
    here = await shop.client.staff_token(
        shop.engine, StaffRole.CASHIER, email="a@example.com", location_id=shop.store_a
    )
    there = await shop.client.staff_token(
        shop.engine, StaffRole.CASHIER, email="b@example.com", location_id=shop.store_b
    )
    member = await new_member(shop.client)
    cart = await shop.cart([(0, 1)], channel="pos", token=here, member_id=member.id)
    assert (await shop.client.data(READ, {"id": cart["id"]}, token=here))["cart"] is not None
    assert (await shop.client.data(READ, {"id": cart["id"]}, token=member.token))["cart"] is not None
    assert (await shop.client.data(READ, {"id": cart["id"]}, token=there))["cart"] is None
    assert (await shop.client.data(READ, {"id": cart["id"]}))["cart"] is None


async def test_only_staff_at_one_of_its_stores_open_carts_in_a_till_channel(shop: Shop) -> None:
    member = await new_member(shop.client)
    online_only = await add_location(shop.engine, channels=("online",))
    elsewhere = await shop.client.staff_token(
        shop.engine, StaffRole.CASHIER, email="x@example.com", location_id=online_only
    )
    nowhere = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)  # works at no store
    for token in (None, member.token, elsewhere, nowhere):
        created = (
            await shop.client.data(
                CREATE, {"input": {"channel": "pos", "lines": [{"variantId": shop.v(0), "quantity": 1}]}}, token=token
            )
        )["cartCreate"]
        assert errors(created) == [("CHANNEL_NOT_ALLOWED", ["input", "channel"])] and created["cart"] is None
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Cart)) == 0
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_b)
    assert (await shop.cart([(0, 1)], channel="pos", token=manager))["channel"] == {"slug": "pos"}


async def test_only_staff_open_a_cart_for_a_member(shop: Shop) -> None:
    member = await new_member(shop.client)
    created = (await shop.client.data(CREATE, {"input": {"memberId": member.id}}))["cartCreate"]
    assert errors(created) == [("INVALID", ["input", "memberId"])]
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    unknown = (await shop.client.data(CREATE, {"input": {"memberId": to_global_id("Member", 10**9)}}, token=cashier))[
        "cartCreate"
    ]
    assert errors(unknown) == [("NOT_FOUND", ["input", "memberId"])]


async def test_cart_ids_are_random_tokens_not_row_numbers(shop: Shop) -> None:
    first, second = await shop.cart([(0, 1)]), await shop.cart([(0, 1)])
    keys = [base64.urlsafe_b64decode(c["id"] + "==").decode().split(":", 1)[1] for c in (first, second)]
    assert all(len(k) == 32 for k in keys) and keys[0] != keys[1]
    for forged in (to_global_id("Cart", 1), to_global_id("Cart", 2), "Q2FydDo", to_global_id("Cart", "x" * 10)):
        assert (await shop.client.data(READ, {"id": forged}))["cart"] is None


async def test_reading_a_cart_costs_the_same_statements_for_1_or_10_lines(
    client: GraphQLClient, demo: AsyncEngine, statements: StatementCounter
) -> None:
    products = await sellable_products(demo, 10, channels=("online",))
    counts = []
    for size in (1, 10):
        lines = [{"variantId": variant_gid(p.variant_ids[0]), "quantity": 1} for p in products[:size]]
        created = (await client.data(CREATE, {"input": {"lines": lines}}))["cartCreate"]
        statements.reset()
        read = (await client.data(READ, {"id": created["cart"]["id"]}))["cart"]
        assert len(read["lines"]) == size
        counts.append(statements.count)
    assert counts[0] == counts[1] <= 6, counts
