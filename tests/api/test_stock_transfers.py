"""Stock transfers that travel, through the graph: units leave the sender when sent, join the
receiver when its staff count them in, and what did not arrive stays on the transfer. The ledger
of every level still sums to its on hand."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.access.model import StaffRole
from tests.api.test_carts import Shop, open_shop
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import Level, ledger, level, location_gid

pytestmark = pytest.mark.usefixtures("demo")

TRANSFER = "id reference quantity receivedQuantity status sentAt receivedAt fromLocation { id } toLocation { id }"
SEND = f"""mutation($input: StockTransferInput!) {{ stockTransferSend(input: $input) {{
  transfer {{ {TRANSFER} sentBy {{ email }} }} from {{ onHand reserved }} userErrors {{ field code message }} }} }}"""
RECEIVE = f"""mutation($id: ID!, $quantity: Int!) {{ stockTransferReceive(id: $id, input: {{quantity: $quantity}}) {{
  transfer {{ {TRANSFER} receivedBy {{ email }} }} to {{ onHand }} userErrors {{ field code message }} }} }}"""
TRANSFERS = """query($filter: StockTransferFilter) { stockTransfers(first: 10, filter: $filter) {
  totalCount edges { node { id status quantity } } } }"""
MOVEMENTS = """query($filter: InventoryMovementFilter) { inventoryMovements(first: 10, filter: $filter) {
  edges { node { kind delta reference } } } }"""


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def send(shop: Shop, token: str, quantity: int = 4, **where: int) -> dict[str, Any]:
    source, target = where.get("source", shop.warehouse), where.get("target", shop.store_a)
    payload = {"variantId": shop.v(0), "fromLocationId": location_gid(source), "toLocationId": location_gid(target)}
    sent: dict[str, Any] = (await shop.client.data(SEND, {"input": {**payload, "quantity": quantity}}, token=token))[
        "stockTransferSend"
    ]
    return sent


async def receive(shop: Shop, token: str, transfer_id: str, quantity: int) -> dict[str, Any]:
    received: dict[str, Any] = (
        await shop.client.data(RECEIVE, {"id": transfer_id, "quantity": quantity}, token=token)
    )["stockTransferReceive"]
    return received


async def test_units_are_in_transit_until_the_receiver_counts_them_in(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    sent = await send(shop, admin, 4)
    assert sent["userErrors"] == [] and sent["from"] == {"onHand": 6, "reserved": 0}
    transfer = sent["transfer"]
    assert (transfer["status"], transfer["quantity"], transfer["receivedQuantity"]) == ("IN_TRANSIT", 4, None)
    assert sent["transfer"]["sentBy"] == {"email": "admin@example.com"}
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)  # not here yet

    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    received = await receive(shop, manager, transfer["id"], 3)  # one was lost on the way
    assert received["userErrors"] == [] and received["to"] == {"onHand": 13}
    done = received["transfer"]
    assert (done["status"], done["receivedQuantity"], done["receivedBy"]) == (
        "RECEIVED",
        3,
        {"email": "store_manager@example.com"},
    )
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(6, 0)
    assert [r for r in await ledger(shop.engine) if not r.consistent] == []
    moves = await shop.client.data(MOVEMENTS, {"filter": {"variantId": shop.v(0)}}, token=admin)
    ours = [m["node"] for m in moves["inventoryMovements"]["edges"] if m["node"]["reference"] == transfer["reference"]]
    assert [(m["kind"], m["delta"]) for m in ours] == [("TRANSFER_IN", 3), ("TRANSFER_OUT", -4)]


async def test_a_transfer_is_received_once_and_never_more_than_was_sent(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    transfer = (await send(shop, admin, 2))["transfer"]
    too_many = await receive(shop, admin, transfer["id"], 3)
    assert [(e["code"], e["field"]) for e in too_many["userErrors"]] == [("INVALID_QUANTITY", ["input", "quantity"])]
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)
    results = await asyncio.gather(*(receive(shop, admin, transfer["id"], 2) for _ in range(2)))
    assert sorted(str([e["code"] for e in r["userErrors"]]) for r in results) == ["['INVALID_TRANSITION']", "[]"]
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(12, 0)


async def test_only_available_units_are_sent_and_a_refusal_changes_nothing(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    refused = await send(shop, admin, 11)
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"] and refused["transfer"] is None
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(10, 0)
    listed = await shop.client.data(TRANSFERS, {}, token=admin)
    assert listed["stockTransfers"]["totalCount"] == 0


async def test_the_sender_sends_and_the_receiver_receives(shop: Shop) -> None:
    at_a = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, "a@example.com", location_id=shop.store_a
    )
    at_b = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, "b@example.com", location_id=shop.store_b
    )
    from_elsewhere = await shop.client.post(
        SEND,
        {
            "input": {
                "variantId": shop.v(0),
                "fromLocationId": location_gid(shop.warehouse),
                "toLocationId": location_gid(shop.store_a),
                "quantity": 1,
            }
        },
        token=at_a,
    )
    assert from_elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    transfer = (await send(shop, at_a, 2, source=shop.store_a, target=shop.store_b))["transfer"]
    by_sender = await shop.client.post(RECEIVE, {"id": transfer["id"], "quantity": 2}, token=at_a)
    assert by_sender["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await receive(shop, at_b, transfer["id"], 2))["userErrors"] == []


async def test_store_staff_list_their_locations_transfers_only(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    to_a = (await send(shop, admin, 1))["transfer"]
    await send(shop, admin, 1, target=shop.store_b)
    at_a = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, "a@example.com", location_id=shop.store_a
    )
    mine = (await shop.client.data(TRANSFERS, {"filter": {"status": "IN_TRANSIT"}}, token=at_a))["stockTransfers"]
    assert [e["node"]["id"] for e in mine["edges"]] == [to_a["id"]]
    elsewhere = await shop.client.post(TRANSFERS, {"filter": {"locationId": location_gid(shop.store_b)}}, token=at_a)
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    everything = (await shop.client.data(TRANSFERS, {}, token=admin))["stockTransfers"]
    assert everything["totalCount"] == 2
    received = (await shop.client.data(TRANSFERS, {"filter": {"status": "RECEIVED"}}, token=admin))["stockTransfers"]
    assert received["totalCount"] == 0
