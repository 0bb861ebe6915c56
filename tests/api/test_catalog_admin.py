"""Staff catalogue administration through the graph, as a back-office client uses it: channels,
categories, products, variants, prices and publication, and what shoppers then see."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.catalog import SqlCatalogRepository
from domain.access.model import StaffRole
from tests.helpers import GraphQLClient

ERRORS = "userErrors { field message code }"
CHANNEL = "channel { id slug name currency kind ownership isDefault isActive }"
CATEGORY = "category { id name slug description parent { id slug } children { slug } }"
PRODUCT = "product { id name slug description createdAt updatedAt category { slug } variants { id sku name } }"
LISTED = (
    "isPublished(channel: $channel) "
    "pricing(channel: $channel) { currency priceRange { start { amount currency } stop { amount } } }"
)
LISTED_PRODUCT = f"product {{ id name slug variants {{ sku }} {LISTED} }}"
VARIANT = "productVariant { id sku name product { id slug } }"
PRICED_VARIANT = "productVariant { id sku price(channel: $channel) { amount currency } }"

CHANNEL_CREATE = f"""mutation($input: ChannelCreateInput!) {{
  channelCreate(input: $input) {{ {CHANNEL} {ERRORS} }} }}"""
CHANNEL_UPDATE = f"""mutation($id: ID!, $input: ChannelUpdateInput!) {{
  channelUpdate(id: $id, input: $input) {{ {CHANNEL} {ERRORS} }} }}"""
CATEGORY_CREATE = f"""mutation($input: CategoryCreateInput!) {{
  categoryCreate(input: $input) {{ {CATEGORY} {ERRORS} }} }}"""
CATEGORY_UPDATE = f"""mutation($id: ID!, $input: CategoryUpdateInput!) {{
  categoryUpdate(id: $id, input: $input) {{ {CATEGORY} {ERRORS} }} }}"""
CATEGORY_DELETE = f"""mutation($id: ID!) {{ categoryDelete(id: $id) {{ category {{ id slug }} {ERRORS} }} }}"""
PRODUCT_CREATE = f"""mutation($input: ProductCreateInput!) {{
  productCreate(input: $input) {{ {PRODUCT} {ERRORS} }} }}"""
PRODUCT_UPDATE = f"""mutation($id: ID!, $input: ProductUpdateInput!) {{
  productUpdate(id: $id, input: $input) {{ {PRODUCT} {ERRORS} }} }}"""
PRODUCT_DELETE = f"""mutation($id: ID!) {{ productDelete(id: $id) {{ product {{ id slug }} {ERRORS} }} }}"""
LISTING_UPDATE = f"""mutation($id: ID!, $input: ProductChannelListingUpdateInput!, $channel: String) {{
  productChannelListingUpdate(id: $id, input: $input) {{ {LISTED_PRODUCT} {ERRORS} }} }}"""
VARIANT_CREATE = f"""mutation($input: ProductVariantCreateInput!) {{
  productVariantCreate(input: $input) {{ {VARIANT} {ERRORS} }} }}"""
VARIANT_UPDATE = f"""mutation($id: ID!, $input: ProductVariantUpdateInput!) {{
  productVariantUpdate(id: $id, input: $input) {{ {VARIANT} {ERRORS} }} }}"""
VARIANT_DELETE = f"""mutation($id: ID!) {{
  productVariantDelete(id: $id) {{ productVariant {{ id sku }} {ERRORS} }} }}"""
PRICE_SET = f"""mutation($id: ID!, $input: ProductVariantPriceSetInput!, $channel: String) {{
  productVariantPriceSet(id: $id, input: $input) {{ {PRICED_VARIANT} {ERRORS} }} }}"""

STAFF_VIEW = f"""query($id: ID!, $channel: String) {{
  product(id: $id, channel: $channel) {{ id variants {{ sku }} {LISTED} }} }}"""
STOREFRONT = """query($channel: String, $slug: String!) {
  products(channel: $channel, first: 20) { totalCount edges { node { slug
    pricing { currency priceRange { start { amount currency } stop { amount currency } } } } } }
  product(slug: $slug, channel: $channel) { name slug variants { sku price { amount currency } } }
}"""


@dataclass
class BackOffice:
    """A staff client: each call runs one mutation and returns its payload."""

    client: GraphQLClient
    token: str

    async def run(self, document: str, field: str, **variables: Any) -> dict[str, Any]:
        payload: dict[str, Any] = (await self.client.data(document, variables, token=self.token))[field]
        return payload

    async def ok(self, document: str, field: str, **variables: Any) -> dict[str, Any]:
        """Run a mutation that must succeed."""
        payload = await self.run(document, field, **variables)
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    async def channel(
        self, slug: str = "online", currency: str = "CNY", kind: str = "APP", **extra: Any
    ) -> dict[str, Any]:
        input = {"slug": slug, "name": slug.title(), "currency": currency, "kind": kind, **extra}
        return (await self.ok(CHANNEL_CREATE, "channelCreate", input=input))["channel"]

    async def category(self, name: str, **extra: Any) -> dict[str, Any]:
        return (await self.ok(CATEGORY_CREATE, "categoryCreate", input={"name": name, **extra}))["category"]

    async def product(self, name: str, **extra: Any) -> dict[str, Any]:
        return (await self.ok(PRODUCT_CREATE, "productCreate", input={"name": name, **extra}))["product"]

    async def variant(self, product: dict[str, Any], sku: str, name: str = "Default") -> dict[str, Any]:
        payload = await self.ok(
            VARIANT_CREATE, "productVariantCreate", input={"productId": product["id"], "sku": sku, "name": name}
        )
        return payload["productVariant"]

    async def price(self, variant: dict[str, Any], price: str | None, channel: str = "online") -> dict[str, Any]:
        payload = await self.ok(
            PRICE_SET,
            "productVariantPriceSet",
            id=variant["id"],
            channel=channel,
            input={"channel": channel, "price": price},
        )
        return payload["productVariant"]

    async def publish(self, product: dict[str, Any], channel: str = "online", published: bool = True) -> dict[str, Any]:
        payload = await self.ok(
            LISTING_UPDATE,
            "productChannelListingUpdate",
            id=product["id"],
            channel=channel,
            input={"channel": channel, "isPublished": published},
        )
        return payload["product"]

    async def staff_view(self, product: dict[str, Any], channel: str = "online") -> dict[str, Any]:
        data = await self.client.data(STAFF_VIEW, {"id": product["id"], "channel": channel}, token=self.token)
        view: dict[str, Any] = data["product"]
        return view


@pytest.fixture
async def staff(client: GraphQLClient, engine: AsyncEngine) -> BackOffice:
    return BackOffice(client, await client.staff_token(engine, StaffRole.ADMIN))


async def rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text(f"SELECT count(*) FROM {table}")))


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def price_range(product: dict[str, Any]) -> tuple[str, str] | None:
    pricing = product["pricing"]
    return (pricing["priceRange"]["start"]["amount"], pricing["priceRange"]["stop"]["amount"]) if pricing else None


async def shirt_with_two_sizes(staff: BackOffice) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    shirt = await staff.product("Linen Shirt")
    return shirt, await staff.variant(shirt, "SHIRT-M", "M"), await staff.variant(shirt, "SHIRT-L", "L")


# The storefront sees what staff build


async def test_a_priced_and_published_product_is_sold_to_anonymous_shoppers(
    client: GraphQLClient, staff: BackOffice
) -> None:
    await staff.channel("online", "CNY")
    tops = await staff.category("Tops")
    shirt = await staff.product("Linen Shirt", description="Cool in summer.", categoryId=tops["id"])
    medium, large = await staff.variant(shirt, "SHIRT-M", "M"), await staff.variant(shirt, "SHIRT-L", "L")
    await staff.price(medium, "129.90")
    await staff.price(large, "149")
    await staff.publish(shirt)

    data = await client.data(STOREFRONT, {"channel": "online", "slug": "linen-shirt"})
    [node] = [e["node"] for e in data["products"]["edges"]]
    assert node["slug"] == "linen-shirt"
    assert node["pricing"] == {
        "currency": "CNY",
        "priceRange": {
            "start": {"amount": "129.90", "currency": "CNY"},
            "stop": {"amount": "149.00", "currency": "CNY"},
        },
    }
    assert data["product"]["name"] == "Linen Shirt"
    assert data["product"]["variants"] == [
        {"sku": "SHIRT-M", "price": {"amount": "129.90", "currency": "CNY"}},
        {"sku": "SHIRT-L", "price": {"amount": "149.00", "currency": "CNY"}},
    ]


async def test_an_unpublished_product_is_hidden_from_shoppers_but_visible_to_staff(
    client: GraphQLClient, staff: BackOffice
) -> None:
    await staff.channel("online")
    shirt, medium, _ = await shirt_with_two_sizes(staff)
    await staff.price(medium, "99")

    anonymous = await client.data(STOREFRONT, {"channel": "online", "slug": "linen-shirt"})
    assert anonymous["products"]["totalCount"] == 0 and anonymous["product"] is None
    seen_by_staff = await client.data(STOREFRONT, {"channel": "online", "slug": "linen-shirt"}, token=staff.token)
    assert seen_by_staff["product"]["name"] == "Linen Shirt"
    assert (await staff.staff_view(shirt))["isPublished"] is False

    await staff.publish(shirt)
    await staff.publish(shirt, published=False)
    assert (await client.data(STOREFRONT, {"channel": "online", "slug": "linen-shirt"}))["product"] is None


async def test_the_first_price_in_a_channel_lists_the_product_there_unpublished(staff: BackOffice) -> None:
    await staff.channel("online")
    shirt, medium, _ = await shirt_with_two_sizes(staff)
    assert price_range(await staff.staff_view(shirt)) is None

    await staff.price(medium, "99.50")

    view = await staff.staff_view(shirt)
    assert view["isPublished"] is False and price_range(view) == ("99.50", "99.50")


async def test_the_price_range_follows_every_variant_price_change(engine: AsyncEngine, staff: BackOffice) -> None:
    await staff.channel("online")
    await staff.channel("pos", kind="POS")
    shirt, medium, large = await shirt_with_two_sizes(staff)
    await staff.price(medium, "100")
    priced = await staff.price(large, "120")
    assert priced["price"] == {"amount": "120.00", "currency": "CNY"}
    await staff.price(large, "80", channel="pos")
    assert price_range(await staff.staff_view(shirt)) == ("100.00", "120.00")

    await staff.price(large, "90")  # cheaper than medium now
    assert price_range(await staff.staff_view(shirt)) == ("90.00", "100.00")

    removed = await staff.price(medium, None)  # no longer sold online
    assert removed["price"] is None
    assert price_range(await staff.staff_view(shirt)) == ("90.00", "90.00")

    await staff.ok(VARIANT_DELETE, "productVariantDelete", id=large["id"])
    assert price_range(await staff.staff_view(shirt)) is None
    assert price_range(await staff.staff_view(shirt, "pos")) is None
    assert await rows(engine, "variant_channel_listings") == 0


# Channels


async def test_the_first_channel_becomes_the_default(staff: BackOffice) -> None:
    online = await staff.channel("online", "cny", ownership="FRANCHISE")
    pos = await staff.channel("pos", kind="POS")
    assert online["isDefault"] is True and online["currency"] == "CNY" and online["ownership"] == "FRANCHISE"
    assert pos["isDefault"] is False and pos["ownership"] == "DIRECT" and pos["isActive"] is True


async def test_making_a_channel_the_default_unsets_the_previous_one(client: GraphQLClient, staff: BackOffice) -> None:
    await staff.channel("online")
    pos = await staff.channel("pos", kind="POS")

    changed = await staff.ok(CHANNEL_UPDATE, "channelUpdate", id=pos["id"], input={"isDefault": True, "name": "Stores"})

    assert changed["channel"]["isDefault"] is True and changed["channel"]["name"] == "Stores"
    channels = (await client.data("{ channels { slug isDefault } }"))["channels"]
    assert channels == [{"slug": "pos", "isDefault": True}, {"slug": "online", "isDefault": False}]


async def test_the_default_channel_is_neither_unset_nor_deactivated(staff: BackOffice) -> None:
    online = await staff.channel("online")

    payload = await staff.run(
        CHANNEL_UPDATE, "channelUpdate", id=online["id"], input={"isDefault": False, "isActive": False}
    )

    assert payload["channel"] is None
    assert codes(payload) == [("INVALID", ["input", "isDefault"])]
    payload = await staff.run(CHANNEL_UPDATE, "channelUpdate", id=online["id"], input={"isActive": False})
    assert codes(payload) == [("INVALID", ["input", "isActive"])]


async def test_a_channel_needs_a_known_currency_a_name_and_a_free_slug(engine: AsyncEngine, staff: BackOffice) -> None:
    await staff.channel("online")

    payload = await staff.run(
        CHANNEL_CREATE, "channelCreate", input={"slug": "online", "name": " ", "currency": "XYZ", "kind": "H5"}
    )

    assert sorted(codes(payload)) == [
        ("CURRENCY_INVALID", ["input", "currency"]),
        ("DUPLICATE", ["input", "slug"]),
        ("REQUIRED", ["input", "name"]),
    ]
    assert await rows(engine, "channels") == 1


async def test_a_channel_currency_cannot_change_once_variants_are_priced_in_it(staff: BackOffice) -> None:
    online = await staff.channel("online", "CNY")
    changed = await staff.ok(CHANNEL_UPDATE, "channelUpdate", id=online["id"], input={"currency": "HKD"})
    assert changed["channel"]["currency"] == "HKD"  # nothing priced yet
    _, medium, _ = await shirt_with_two_sizes(staff)
    await staff.price(medium, "99")

    refused = await staff.run(CHANNEL_UPDATE, "channelUpdate", id=online["id"], input={"currency": "USD"})

    assert refused["channel"] is None and codes(refused) == [("INVALID", ["input", "currency"])]
    unchanged = await staff.ok(CHANNEL_UPDATE, "channelUpdate", id=online["id"], input={"currency": "hkd"})
    assert unchanged["channel"]["currency"] == "HKD"


# Categories


async def test_a_category_moves_under_a_parent_and_back_to_the_top(staff: BackOffice) -> None:
    apparel = await staff.category("Apparel")
    tops = await staff.category("Tops", slug="tops", description="Shirts and tees.")

    moved = await staff.ok(
        CATEGORY_UPDATE, "categoryUpdate", id=tops["id"], input={"parentId": apparel["id"], "name": "Tops & Tees"}
    )

    assert moved["category"]["parent"] == {"id": apparel["id"], "slug": "apparel"}
    assert moved["category"]["name"] == "Tops & Tees" and moved["category"]["slug"] == "tops"
    assert moved["category"]["description"] == "Shirts and tees."
    back = await staff.ok(
        CATEGORY_UPDATE, "categoryUpdate", id=tops["id"], input={"parentId": None, "description": None}
    )
    assert back["category"]["parent"] is None and back["category"]["description"] is None


async def test_a_category_cannot_move_under_itself_or_its_descendants(staff: BackOffice) -> None:
    apparel = await staff.category("Apparel")
    tops = await staff.category("Tops", parentId=apparel["id"])
    shirts = await staff.category("Shirts", parentId=tops["id"])

    for parent in (shirts, apparel):
        payload = await staff.run(CATEGORY_UPDATE, "categoryUpdate", id=apparel["id"], input={"parentId": parent["id"]})
        assert codes(payload) == [("CATEGORY_CYCLE", ["input", "parentId"])]
    tree = await staff.run(CATEGORY_UPDATE, "categoryUpdate", id=apparel["id"], input={})
    assert tree["category"]["parent"] is None and tree["category"]["children"] == [{"slug": "tops"}]


async def test_only_an_empty_category_can_be_deleted(engine: AsyncEngine, staff: BackOffice) -> None:
    apparel = await staff.category("Apparel")
    tops = await staff.category("Tops", parentId=apparel["id"])
    await staff.product("Linen Shirt", categoryId=tops["id"])

    for category in (apparel, tops):
        payload = await staff.run(CATEGORY_DELETE, "categoryDelete", id=category["id"])
        assert payload["category"] is None and codes(payload) == [("IN_USE", ["id"])]
    empty = await staff.category("Sale")
    deleted = await staff.ok(CATEGORY_DELETE, "categoryDelete", id=empty["id"])
    assert deleted["category"] == {"id": empty["id"], "slug": "sale"}
    assert await rows(engine, "categories") == 2


# Products and variants


async def test_a_product_slug_is_made_from_its_name_unless_given(staff: BackOffice) -> None:
    assert (await staff.product("Crème Brûlée Mug"))["slug"] == "creme-brulee-mug"
    assert (await staff.product("连衣裙", slug="silk-dress"))["slug"] == "silk-dress"
    assert (await staff.product("连衣裙"))["slug"] == "lian-yi-qun"
    payload = await staff.run(PRODUCT_CREATE, "productCreate", input={"name": "X"})
    assert codes(payload) == [("REQUIRED", ["input", "slug"])]


async def test_updating_a_product_changes_only_the_given_fields(staff: BackOffice) -> None:
    tops = await staff.category("Tops")
    shirt = await staff.product("Linen Shirt", description="Cool.", categoryId=tops["id"])

    renamed = await staff.ok(PRODUCT_UPDATE, "productUpdate", id=shirt["id"], input={"name": "Linen Shirt II"})
    assert renamed["product"]["name"] == "Linen Shirt II" and renamed["product"]["slug"] == "linen-shirt"
    assert renamed["product"]["updatedAt"] > shirt["updatedAt"]
    assert renamed["product"]["description"] == "Cool." and renamed["product"]["category"] == {"slug": "tops"}

    cleared = await staff.ok(
        PRODUCT_UPDATE,
        "productUpdate",
        id=shirt["id"],
        input={"description": None, "categoryId": None, "slug": "shirt"},
    )
    assert cleared["product"]["description"] is None and cleared["product"]["category"] is None
    assert cleared["product"]["slug"] == "shirt"


async def test_deleting_a_product_deletes_its_variants_and_listings(
    engine: AsyncEngine, client: GraphQLClient, staff: BackOffice
) -> None:
    await staff.channel("online")
    shirt, medium, _ = await shirt_with_two_sizes(staff)
    await staff.price(medium, "99")
    await staff.publish(shirt)

    deleted = await staff.ok(PRODUCT_DELETE, "productDelete", id=shirt["id"])

    assert deleted["product"] == {"id": shirt["id"], "slug": "linen-shirt"}
    node = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": medium["id"]}, token=staff.token)
    assert node["node"] is None
    for table in ("products", "product_variants", "product_channel_listings", "variant_channel_listings"):
        assert await rows(engine, table) == 0, table


async def test_a_variant_is_renamed_given_a_new_sku_and_deleted(staff: BackOffice) -> None:
    await staff.channel("online")
    shirt, medium, large = await shirt_with_two_sizes(staff)

    changed = await staff.ok(
        VARIANT_UPDATE, "productVariantUpdate", id=medium["id"], input={"sku": "SHIRT-M2", "name": "Medium"}
    )
    assert changed["productVariant"]["sku"] == "SHIRT-M2" and changed["productVariant"]["name"] == "Medium"
    assert changed["productVariant"]["product"] == {"id": shirt["id"], "slug": "linen-shirt"}

    deleted = await staff.ok(VARIANT_DELETE, "productVariantDelete", id=large["id"])
    assert deleted["productVariant"] == {"id": large["id"], "sku": "SHIRT-L"}
    assert [v["sku"] for v in (await staff.staff_view(shirt))["variants"]] == ["SHIRT-M2"]


async def test_a_sku_belongs_to_one_variant_only(engine: AsyncEngine, staff: BackOffice) -> None:
    shirt, medium, _ = await shirt_with_two_sizes(staff)

    created = await staff.run(
        VARIANT_CREATE, "productVariantCreate", input={"productId": shirt["id"], "sku": "SHIRT-M", "name": "M again"}
    )
    updated = await staff.run(VARIANT_UPDATE, "productVariantUpdate", id=medium["id"], input={"sku": "SHIRT-L"})

    assert created["productVariant"] is None and codes(created) == [("DUPLICATE", ["input", "sku"])]
    assert codes(updated) == [("DUPLICATE", ["input", "sku"])]
    assert await rows(engine, "product_variants") == 2


async def test_chinese_names_get_pinyin_slugs_unique_in_the_catalogue(staff: BackOffice) -> None:
    category = await staff.category("男装")
    again = await staff.category("男装")
    tees = [await staff.product("纯棉T恤", categoryId=category["id"]) for _ in range(2)]

    assert [category["slug"], again["slug"]] == ["nan-zhuang", "nan-zhuang-2"]
    assert [t["slug"] for t in tees] == ["chun-mian-t-xu", "chun-mian-t-xu-2"]


async def test_a_product_slug_belongs_to_one_product_only(staff: BackOffice) -> None:
    await staff.product("Linen Shirt")
    other = await staff.product("Cotton Shirt")

    created = await staff.run(PRODUCT_CREATE, "productCreate", input={"name": "Cotton Tee", "slug": "linen-shirt"})
    updated = await staff.run(PRODUCT_UPDATE, "productUpdate", id=other["id"], input={"slug": "linen-shirt"})
    same_name = await staff.run(PRODUCT_CREATE, "productCreate", input={"name": "Linen Shirt"})

    assert codes(created) == codes(updated) == [("DUPLICATE", ["input", "slug"])]
    assert same_name["product"]["slug"] == "linen-shirt-2"


async def test_every_input_error_is_reported_at_once_and_nothing_is_written(
    engine: AsyncEngine, staff: BackOffice
) -> None:
    payload = await staff.run(
        PRODUCT_CREATE, "productCreate", input={"name": "  ", "slug": "Not A Slug", "categoryId": "not-an-id"}
    )
    assert payload["product"] is None
    assert sorted(codes(payload)) == [
        ("INVALID", ["input", "slug"]),
        ("NOT_FOUND", ["input", "categoryId"]),
        ("REQUIRED", ["input", "name"]),
    ]

    variant = await staff.run(
        VARIANT_CREATE, "productVariantCreate", input={"productId": "bm9wZQ", "sku": "has space", "name": ""}
    )
    assert sorted(codes(variant)) == [
        ("INVALID", ["input", "sku"]),
        ("NOT_FOUND", ["input", "productId"]),
        ("REQUIRED", ["input", "name"]),
    ]
    for table in ("products", "product_variants", "categories"):
        assert await rows(engine, table) == 0


async def test_unknown_or_malformed_ids_are_not_found(staff: BackOffice) -> None:
    tops = await staff.category("Tops")
    shirt, medium, _ = await shirt_with_two_sizes(staff)

    for document, field, bad_id in (
        (PRODUCT_UPDATE, "productUpdate", tops["id"]),
        (PRODUCT_UPDATE, "productUpdate", "garbage"),
        (VARIANT_UPDATE, "productVariantUpdate", shirt["id"]),
        (CATEGORY_UPDATE, "categoryUpdate", medium["id"]),
    ):
        payload = await staff.run(document, field, id=bad_id, input={"name": "X"})
        assert codes(payload) == [("NOT_FOUND", ["id"])], (field, bad_id)
    for document, field in (
        (PRODUCT_DELETE, "productDelete"),
        (VARIANT_DELETE, "productVariantDelete"),
        (CATEGORY_DELETE, "categoryDelete"),
    ):
        assert codes(await staff.run(document, field, id="garbage")) == [("NOT_FOUND", ["id"])]
    moved = await staff.run(CATEGORY_UPDATE, "categoryUpdate", id=tops["id"], input={"parentId": shirt["id"]})
    assert codes(moved) == [("NOT_FOUND", ["input", "parentId"])]


# Prices and listings


async def test_a_price_has_at_most_the_channel_currency_decimals(engine: AsyncEngine, staff: BackOffice) -> None:
    await staff.channel("online", "CNY")
    await staff.channel("tokyo", "JPY", kind="PC")
    _, medium, _ = await shirt_with_two_sizes(staff)

    for channel, price in (("online", "12.345"), ("online", "-1"), ("tokyo", "1200.5")):
        payload = await staff.run(
            PRICE_SET,
            "productVariantPriceSet",
            id=medium["id"],
            channel=channel,
            input={"channel": channel, "price": price},
        )
        assert payload["productVariant"] is None
        assert codes(payload) == [("INVALID", ["input", "price"])], (channel, price)
    assert await rows(engine, "variant_channel_listings") == 0
    assert await rows(engine, "product_channel_listings") == 0
    assert (await staff.price(medium, "1200", channel="tokyo"))["price"] == {"amount": "1200", "currency": "JPY"}


async def test_a_price_names_a_known_channel_and_is_given_or_null(staff: BackOffice) -> None:
    await staff.channel("online")
    shirt, medium, _ = await shirt_with_two_sizes(staff)

    unknown = await staff.run(
        PRICE_SET, "productVariantPriceSet", id=medium["id"], input={"channel": "moon", "price": "1"}
    )
    missing = await staff.run(PRICE_SET, "productVariantPriceSet", id=medium["id"], input={"channel": "online"})
    listing = await staff.run(
        LISTING_UPDATE, "productChannelListingUpdate", id=shirt["id"], input={"channel": "moon", "isPublished": True}
    )

    assert codes(unknown) == codes(listing) == [("NOT_FOUND", ["input", "channel"])]
    assert codes(missing) == [("REQUIRED", ["input", "price"])]


async def test_mutations_in_one_request_each_see_the_writes_before_them(staff: BackOffice) -> None:
    await staff.channel("online")
    shirt, medium, _ = await shirt_with_two_sizes(staff)
    listing = '{ product { isPublished(channel: "online") pricing { priceRange { start { amount } } } } }'

    data = await staff.client.data(
        f"""mutation($shirt: ID!, $medium: ID!) {{
      a: productVariantPriceSet(id: $medium, input: {{channel: "online", price: "10"}}) {{ productVariant {{ id }} }}
      b: productChannelListingUpdate(id: $shirt, input: {{channel: "online", isPublished: true}}) {listing}
      c: productVariantPriceSet(id: $medium, input: {{channel: "online", price: "12"}}) {{ productVariant {{ id }} }}
      d: productChannelListingUpdate(id: $shirt, input: {{channel: "online", isPublished: false}}) {listing}
    }}""",
        {"shirt": shirt["id"], "medium": medium["id"]},
        token=staff.token,
    )

    assert data["b"]["product"] == {"isPublished": True, "pricing": {"priceRange": {"start": {"amount": "10.00"}}}}
    assert data["d"]["product"] == {"isPublished": False, "pricing": {"priceRange": {"start": {"amount": "12.00"}}}}


async def test_of_concurrent_requests_for_one_sku_exactly_one_wins(engine: AsyncEngine, staff: BackOffice) -> None:
    shirt = await staff.product("Linen Shirt")

    payloads = await asyncio.gather(
        *[
            staff.run(
                VARIANT_CREATE,
                "productVariantCreate",
                input={"productId": shirt["id"], "sku": "SKU-1", "name": f"Try {i}"},
            )
            for i in range(4)
        ]
    )

    assert sorted(code for p in payloads for code in codes(p)) == [("DUPLICATE", ["input", "sku"])] * 3
    assert await rows(engine, "product_variants") == 1


async def test_a_slug_or_sku_taken_between_the_check_and_the_write_is_still_a_duplicate(
    engine: AsyncEngine, staff: BackOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    shirt, _, _ = await shirt_with_two_sizes(staff)

    async def not_taken_yet(*_args: Any) -> bool:  # as if the other request committed just after the check
        return False

    for check in ("sku_taken", "product_slug_taken"):
        monkeypatch.setattr(SqlCatalogRepository, check, not_taken_yet)
    variant = await staff.run(
        VARIANT_CREATE, "productVariantCreate", input={"productId": shirt["id"], "sku": "SHIRT-M", "name": "M"}
    )
    product = await staff.run(PRODUCT_CREATE, "productCreate", input={"name": "Linen Shirt"})

    assert codes(variant) == [("DUPLICATE", ["input", "sku"])]
    assert codes(product) == [("DUPLICATE", ["input", "slug"])]
    assert await rows(engine, "product_variants") == 2 and await rows(engine, "products") == 1


async def test_concurrent_prices_for_one_new_product_keep_its_price_range_right(staff: BackOffice) -> None:
    await staff.channel("online")
    shirt = await staff.product("Linen Shirt")
    variants = [await staff.variant(shirt, f"SHIRT-{i}", str(i)) for i in range(4)]

    await asyncio.gather(*[staff.price(v, f"{10 + i}") for i, v in enumerate(variants)])

    assert price_range(await staff.staff_view(shirt)) == ("10.00", "13.00")


# Who may do it


ATTEMPTS = [
    (CHANNEL_CREATE, {"input": {"slug": "x", "name": "X", "currency": "CNY", "kind": "APP"}}),
    (CATEGORY_CREATE, {"input": {"name": "Tops"}}),
    (PRODUCT_CREATE, {"input": {"name": "Linen Shirt"}}),
    (PRODUCT_DELETE, {"id": "UHJvZHVjdDox"}),
    (PRICE_SET, {"id": "UHJvZHVjdFZhcmlhbnQ6MQ", "input": {"channel": "online", "price": "1"}}),
]


async def member_token(client: GraphQLClient) -> str:
    registered = await client.data(
        'mutation { memberRegister(input: {email: "ann@example.com", password: "open-sesame-42", name: "Ann"})'
        " { userErrors { code } } }"
    )
    assert registered["memberRegister"]["userErrors"] == []
    signed_in = await client.data(
        'mutation { tokenCreate(input: {identifier: "ann@example.com", password: "open-sesame-42"}) { accessToken } }'
    )
    token: str = signed_in["tokenCreate"]["accessToken"]
    return token


async def test_anonymous_callers_must_sign_in_to_administer_the_catalogue(
    engine: AsyncEngine, client: GraphQLClient
) -> None:
    for document, variables in ATTEMPTS:
        body = await client.post(document, variables)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await rows(engine, "categories") + await rows(engine, "products") + await rows(engine, "channels") == 0


async def test_members_cashiers_and_store_managers_may_not_administer_the_catalogue(
    engine: AsyncEngine, client: GraphQLClient, staff: BackOffice
) -> None:
    await staff.channel("online")  # members register through the default channel
    tokens = [
        await member_token(client),
        await client.staff_token(engine, StaffRole.CASHIER),
        await client.staff_token(engine, StaffRole.STORE_MANAGER),
    ]
    for token in tokens:
        for document, variables in ATTEMPTS:
            body = await client.post(document, variables, token=token)
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await rows(engine, "categories") + await rows(engine, "products") == 0
    assert await rows(engine, "channels") == 1
