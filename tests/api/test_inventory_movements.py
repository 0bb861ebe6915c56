"""The stock ledger through the graph: every change to a level is a movement, newest first, and a
level's movements sum to its `onHand` (and their reserved deltas to its `reserved`). Store staff
read only their own location's ledger, through the list and through `node` alike."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access.model import StaffRole
from tests.api.test_carts import Shop, open_shop
from tests.api.test_checkout import placed
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import location_gid

pytestmark = pytest.mark.usefixtures("demo")

MOVEMENTS = """query($first: Int, $after: String, $filter: InventoryMovementFilter) {
  inventoryMovements(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind delta reservedDelta reason reference createdAt
                   variant { id } location { id } staff { email } } }
  } }"""
LEVELS = """query($id: ID!) {
  node(id: $id) { ... on ProductVariant { stockLevels { onHand reserved location { id } } } } }"""
ADJUST = """mutation($input: StockAdjustInput!) { stockAdjust(input: $input) { userErrors { code } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on InventoryMovement { id delta } } }"


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def movements(shop: Shop, token: str, page: int = 100, **filter: Any) -> list[dict[str, Any]]:
    """Every movement matching `filter`, paging `page` at a time."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        data = await shop.client.data(MOVEMENTS, {"first": page, "after": after, "filter": filter}, token=token)
        listed = data["inventoryMovements"]
        found += [e["node"] for e in listed["edges"]]
        if not listed["pageInfo"]["hasNextPage"]:
            assert listed["totalCount"] == len(found)
            return found
        after = listed["pageInfo"]["endCursor"]


async def test_a_levels_movements_sum_to_its_on_hand_and_reserved(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    adjust = {"variantId": shop.v(0), "locationId": location_gid(shop.store_a), "delta": -2, "reason": "stock-take"}
    assert (await shop.client.data(ADJUST, {"input": adjust}, token=admin))["stockAdjust"]["userErrors"] == []
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    await placed(shop, (await shop.cart([(0, 3)], channel="pos", token=cashier))["id"], token=cashier)

    levels = (await shop.client.data(LEVELS, {"id": shop.v(0)}, token=admin))["node"]["stockLevels"]
    assert {lv["location"]["id"] for lv in levels} == {location_gid(shop.warehouse), location_gid(shop.store_a)}
    for lv in levels:
        ledger = await movements(shop, admin, page=2, variantId=shop.v(0), locationId=lv["location"]["id"])
        assert sum(m["delta"] for m in ledger) == lv["onHand"]
        assert sum(m["reservedDelta"] for m in ledger) == lv["reserved"]
    at_store = await movements(shop, admin, variantId=shop.v(0), locationId=location_gid(shop.store_a))
    assert [(m["kind"], m["delta"], m["reservedDelta"]) for m in at_store] == [
        ("RESERVATION", 0, 3),
        ("ADJUSTMENT", -2, 0),
        ("RECEIVE", 10, 0),
    ]
    reservation, adjustment = at_store[0], at_store[1]
    assert reservation["reference"] and reservation["staff"] == {"email": "cashier@example.com"}
    assert (adjustment["reason"], adjustment["staff"]) == ("stock-take", {"email": "admin@example.com"})


async def test_store_staff_read_only_their_own_locations_ledger(shop: Shop) -> None:
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    own = await movements(shop, manager)
    assert own and {m["location"]["id"] for m in own} == {location_gid(shop.store_a)}
    assert {m["staff"] for m in own} == {None}  # set up by no one
    elsewhere = {"filter": {"locationId": location_gid(shop.warehouse)}}
    refused = await shop.client.post(MOVEMENTS, elsewhere, token=manager)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    [theirs, *_] = await movements(shop, admin, locationId=location_gid(shop.warehouse))
    assert (await shop.client.data(NODE, {"id": theirs["id"]}, token=admin))["node"]["id"] == theirs["id"]
    assert (await shop.client.data(NODE, {"id": theirs["id"]}, token=manager))["node"] is None
    assert (await shop.client.data(NODE, {"id": own[0]["id"]}, token=manager))["node"]["id"] == own[0]["id"]


@pytest.mark.parametrize("role", [None, StaffRole.CASHIER])
async def test_only_those_who_manage_stock_read_the_ledger(shop: Shop, role: StaffRole | None) -> None:
    token = await shop.client.staff_token(shop.engine, role, location_id=shop.store_a) if role else None
    refused = await shop.client.post(MOVEMENTS, {}, token=token)
    code = "FORBIDDEN" if role else "UNAUTHENTICATED"
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == code


async def test_an_id_of_another_type_is_a_clear_error(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    refused = await shop.client.post(MOVEMENTS, {"filter": {"variantId": location_gid(shop.store_a)}}, token=admin)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "variantId" in refused["errors"][0]["message"]


async def test_a_page_of_movements_costs_the_same_statements_as_one(shop: Shop, statements: StatementCounter) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    counts = []
    for size in (1, 6):
        statements.reset()
        data = await shop.client.data(MOVEMENTS, {"first": size}, token=admin)
        assert len(data["inventoryMovements"]["edges"]) == size
        counts.append(statements.count)
    assert counts[0] == counts[1]
