"""Fulfilments through the graph, as stores and the warehouse run them (issue #17's "Done when"): a
delivery order split across store A and the warehouse appears in each location's queue with only
its lines; each ships with its own tracking number; the order is SHIPPED after both and COMPLETED
after both are delivered; a cashier at store B sees neither. Stock leaves a location when its part
ships, and the ledger stays consistent."""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import Settings
from domain.access.model import StaffRole
from tests.api.test_carts import Shop, address, open_shop
from tests.api.test_checkout import assert_ledger_holds, placed
from tests.api.test_order_flow import DELIVER, SHIP, pay, run
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import Level, level, location_gid

pytestmark = pytest.mark.usefixtures("demo")

FULFILMENT = """id status trackingNumber location { id } order { id status }
  lines { quantity orderLine { sku } } deliveryAddress { name }"""
QUEUE = f"""query($filter: FulfillmentFilter, $first: Int, $after: String) {{
  fulfillments(first: $first, after: $after, filter: $filter) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {FULFILMENT} }} }} }} }}"""
SHIP_ONE = f"""mutation($id: ID!, $tracking: String) {{
  fulfillmentShip(id: $id, input: {{trackingNumber: $tracking}}) {{
    fulfillment {{ {FULFILMENT} }} userErrors {{ field code message }} }} }}"""
ORDER_PARTS = "query($id: ID!) { order(id: $id) { status fulfillments { id location { id } status } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Fulfillment { id status } } }"
ADJUST = "mutation($input: StockAdjustInput!) { stockAdjust(input: $input) { userErrors { code } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Buyers pay with the test gateway here."""
    return settings.model_copy(update={"payments_sandbox": True})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    """Variant 0 only in store A, variant 1 only in the warehouse (10 each)."""
    shop = await open_shop(client, demo)
    admin = await client.staff_token(demo, StaffRole.ADMIN, email="stock-admin@example.com")
    for variant, location in ((0, shop.warehouse), (1, shop.store_a)):
        change = {"variantId": shop.v(variant), "locationId": location_gid(location), "delta": -10, "reason": "test"}
        assert (await client.data(ADJUST, {"input": change}, token=admin))["stockAdjust"]["userErrors"] == []
    return shop


async def split_order(shop: Shop) -> dict[str, Any]:
    """A paid delivery of one unit of variant 0 (from store A) and two of variant 1 (from the warehouse)."""
    cart = await shop.cart([(0, 1), (1, 2)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    await pay(shop, order)
    return order


async def queue(shop: Shop, token: str, **filter: Any) -> list[dict[str, Any]]:
    listed = (await shop.client.data(QUEUE, {"filter": filter}, token=token))["fulfillments"]
    assert listed["totalCount"] == len(listed["edges"])
    return [e["node"] for e in listed["edges"]]


async def test_a_split_delivery_ships_and_completes_part_by_part(shop: Shop) -> None:
    order = await split_order(shop)
    store_packer = await shop.client.staff_token(
        shop.engine, StaffRole.FULFILLMENT, email="packer-a@example.com", location_id=shop.store_a
    )
    warehouse_packer = await shop.client.staff_token(
        shop.engine, StaffRole.FULFILLMENT, email="packer-w@example.com", location_id=shop.warehouse
    )
    cashier_b = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_b)

    [at_store] = await queue(shop, store_packer, status="PENDING")
    [at_warehouse] = await queue(shop, warehouse_packer, status="PENDING")
    sku = [ln["orderLine"]["sku"] for ln in at_store["lines"] + at_warehouse["lines"]]
    assert [ln["quantity"] for ln in at_store["lines"] + at_warehouse["lines"]] == [1, 2] and sku[0] != sku[1]
    assert at_store["location"]["id"] == location_gid(shop.store_a) and at_store["order"]["id"] == order["id"]
    assert at_store["deliveryAddress"] == at_warehouse["deliveryAddress"] == {"name": "Ann Lee"}
    assert await queue(shop, cashier_b) == []
    assert (await shop.client.data(NODE, {"id": at_store["id"]}, token=cashier_b))["node"] is None
    seen_by_store = (await shop.client.data(ORDER_PARTS, {"id": order["id"]}, token=store_packer))["order"]
    assert [f["id"] for f in seen_by_store["fulfillments"]] == [at_store["id"]], "only its own part"

    shipped = await run(shop, SHIP_ONE, "fulfillmentShip", store_packer, id=at_store["id"], tracking="SF-A1")
    assert shipped["userErrors"] == []
    assert (shipped["fulfillment"]["status"], shipped["fulfillment"]["trackingNumber"]) == ("SHIPPED", "SF-A1")
    assert shipped["fulfillment"]["order"]["status"] == "PAID"
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(9, 0)
    assert await level(shop.engine, shop.variants[1], shop.warehouse) == Level(10, 2), "still reserved there"
    assert await queue(shop, store_packer, status="PENDING") == []

    shipped = await run(shop, SHIP_ONE, "fulfillmentShip", warehouse_packer, id=at_warehouse["id"], tracking="YT-W2")
    assert (
        shipped["fulfillment"]["trackingNumber"] == "YT-W2" and shipped["fulfillment"]["order"]["status"] == "SHIPPED"
    )

    assert (await run(shop, DELIVER, "orderDeliver", store_packer, id=order["id"]))["order"]["status"] == "SHIPPED"
    done = await run(shop, DELIVER, "orderDeliver", warehouse_packer, id=order["id"])
    assert done["order"]["status"] == "COMPLETED"
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    parts = (await shop.client.data(ORDER_PARTS, {"id": order["id"]}, token=admin))["order"]["fulfillments"]
    assert [f["status"] for f in parts] == ["DELIVERED", "DELIVERED"]
    assert await queue(shop, cashier_b) == []
    await assert_ledger_holds(shop)


async def test_an_unpaid_orders_part_is_not_in_the_queue_yet(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    store_packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    assert await queue(shop, store_packer) == []
    await pay(shop, order)
    assert [f["order"]["id"] for f in await queue(shop, store_packer)] == [order["id"]]


async def test_store_staff_neither_read_nor_ship_another_locations_part(shop: Shop) -> None:
    await split_order(shop)
    store_packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    [at_warehouse] = await queue(shop, admin, locationId=location_gid(shop.warehouse))
    refused = await shop.client.post(
        QUEUE, {"filter": {"locationId": location_gid(shop.warehouse)}}, token=store_packer
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await shop.client.data(NODE, {"id": at_warehouse["id"]}, token=store_packer))["node"] is None
    not_theirs = await run(shop, SHIP_ONE, "fulfillmentShip", store_packer, id=at_warehouse["id"], tracking=None)
    assert [e["code"] for e in not_theirs["userErrors"]] == ["NOT_FOUND"] and not_theirs["fulfillment"] is None
    assert len(await queue(shop, admin)) == 2, "head office sees every location's"


async def test_order_ship_sends_the_callers_part_and_the_address_goes_to_the_sender_only(shop: Shop) -> None:
    order = await split_order(shop)
    store_packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    shipped = await run(shop, SHIP, "orderShip", store_packer, id=order["id"])
    assert shipped["order"]["status"] == "PAID", "the warehouse's part is still to ship"
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    parts = (await shop.client.data(ORDER_PARTS, {"id": order["id"]}, token=admin))["order"]["fulfillments"]
    assert {(f["location"]["id"], f["status"]) for f in parts} == {
        (location_gid(shop.store_a), "SHIPPED"),
        (location_gid(shop.warehouse), "PENDING"),
    }
    warehouse_part = next(f for f in parts if f["status"] == "PENDING")
    read = (await shop.client.data(QUEUE, {"filter": {}}, token=store_packer))["fulfillments"]["edges"]
    assert [e["node"]["deliveryAddress"] for e in read] == [{"name": "Ann Lee"}]
    assert warehouse_part["id"] not in {e["node"]["id"] for e in read}


ROUTE = """mutation($id: ID!, $routing: FulfillmentRouting!) {
  channelUpdate(id: $id, input: {routing: $routing}) { channel { routing } userErrors { field code } } }"""
PARTS = "query($id: ID!) { order(id: $id) { fulfillments { location { id } } } }"


async def shipped_from(shop: Shop) -> list[str]:
    """Where a delivery of variant 2 (held by store A, the nearest, and by the warehouse) ships from."""
    cart = await shop.cart([(2, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    parts = (await shop.client.data(PARTS, {"id": order["id"]}))["order"]["fulfillments"]
    return [f["location"]["id"] for f in parts]


async def test_an_operator_routes_a_channels_deliveries(shop: Shop) -> None:
    assert await shipped_from(shop) == [location_gid(shop.store_a)], "NEAREST by default"
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="routing-admin@example.com")
    channels = (await shop.client.data("{ channels { id slug routing } }"))["channels"]
    online = next(c for c in channels if c["slug"] == "online")
    assert online["routing"] == "NEAREST"
    changed = await shop.client.data(ROUTE, {"id": online["id"], "routing": "WAREHOUSES_FIRST"}, token=admin)
    assert changed["channelUpdate"] == {"channel": {"routing": "WAREHOUSES_FIRST"}, "userErrors": []}
    assert await shipped_from(shop) == [location_gid(shop.warehouse)]
    refused = await shop.client.post(ROUTE, {"id": online["id"], "routing": "PRIORITY"})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
