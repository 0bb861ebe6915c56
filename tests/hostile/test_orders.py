"""Store staff against another store's orders, as a hostile or careless till client would try them:
reads (`order`, `nodes`, `orders`, `Member.orders`) see nothing of it, with the customer's address,
and writes (cancel, return, ship, pay) find no such order. Staff of the order's own location, admins
and apps keep working; staff assigned to no location see no orders at all."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access.model import StaffRole
from tests.api.test_carts import Shop, errors, open_shop
from tests.api.test_members import top_code
from tests.api.test_order_flow import (
    CANCEL,
    ORDERS,
    PAY,
    RETURN,
    SHIP,
    delivery_order,
    member_with_points,
    pay,
    pickup_order,
    run,
)
from tests.api.test_order_flow import settings as settings  # buyers pay with the test gateway
from tests.helpers import GraphQLClient

READ = """query($id: ID!) { order(id: $id) { number deliveryAddress { line1 } }
  nodes(ids: [$id]) { ... on Order { number } } }"""
MEMBER_ORDERS = """query($id: ID!) { node(id: $id) { ... on Member { orders(first: 5) { totalCount
  edges { node { number } } } } } }"""


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def staff(shop: Shop, role: StaffRole, location: int | None, name: str) -> str:
    return await shop.client.staff_token(shop.engine, role, email=f"{name}@example.com", location_id=location)


async def test_store_staff_never_read_another_stores_orders(shop: Shop) -> None:
    ann = await member_with_points(shop)
    delivered = await delivery_order(shop, ann.token)  # shipped from store A, to Ann's address
    collected = await pickup_order(shop, ann)  # collected at store A
    cashier_b = await staff(shop, StaffRole.CASHIER, shop.store_b, "cashier-b")
    cashier_a = await staff(shop, StaffRole.CASHIER, shop.store_a, "cashier-a")
    for order in (delivered, collected):
        assert await shop.client.data(READ, {"id": order["id"]}, token=cashier_b) == {"order": None, "nodes": [None]}
        seen = await shop.client.data(READ, {"id": order["id"]}, token=cashier_a)
        assert seen["order"]["number"] == seen["nodes"][0]["number"] == order["number"]
    assert (await run(shop, ORDERS, "orders", cashier_b))["totalCount"] == 0
    assert (await run(shop, ORDERS, "orders", cashier_b, filter={"memberId": ann.id}))["totalCount"] == 0
    assert (await run(shop, ORDERS, "orders", cashier_a))["totalCount"] == 2
    mine = (await shop.client.data(MEMBER_ORDERS, {"id": ann.id}, token=cashier_b))["node"]["orders"]
    assert mine == {"totalCount": 0, "edges": []}
    theirs = (await shop.client.data(MEMBER_ORDERS, {"id": ann.id}, token=cashier_a))["node"]["orders"]
    assert theirs["totalCount"] == 2 and len(theirs["edges"]) == 2
    admin = await staff(shop, StaffRole.ADMIN, None, "admin")
    assert (await run(shop, ORDERS, "orders", admin))["totalCount"] == 2


async def test_staff_of_no_location_see_no_orders(shop: Shop) -> None:
    order = await delivery_order(shop, (await member_with_points(shop)).token)
    for role in (StaffRole.CASHIER, StaffRole.STORE_MANAGER, StaffRole.FULFILLMENT):
        nowhere = await staff(shop, role, None, role.value)
        assert top_code(await shop.client.post(ORDERS, {}, token=nowhere)) == "FORBIDDEN"
        assert (await shop.client.data(READ, {"id": order["id"]}, token=nowhere))["order"] is None


async def test_store_staff_never_change_another_stores_orders(shop: Shop) -> None:
    ann = await member_with_points(shop)
    unpaid = await delivery_order(shop, ann.token)
    paid = await pay(shop, await delivery_order(shop, ann.token), ann.token)
    manager_b = await staff(shop, StaffRole.STORE_MANAGER, shop.store_b, "manager-b")
    packer_b = await staff(shop, StaffRole.FULFILLMENT, shop.store_b, "packer-b")
    not_found = [("NOT_FOUND", ["id"])]
    assert errors(await run(shop, CANCEL, "orderCancel", manager_b, id=paid["id"])) == not_found
    assert errors(await run(shop, SHIP, "orderShip", packer_b, id=paid["id"])) == not_found
    assert (
        errors(
            await run(
                shop, PAY, "orderPay", manager_b, id=unpaid["id"], method="CASH", amount=unpaid["total"]["amount"]
            )
        )
        == not_found
    )
    line = {"lines": [{"orderLineId": paid["lines"][0]["id"], "quantity": 1}]}
    assert errors(await run(shop, RETURN, "orderReturn", manager_b, id=paid["id"], input=line)) == not_found
    manager_a = await staff(shop, StaffRole.STORE_MANAGER, shop.store_a, "manager-a")
    assert (await run(shop, CANCEL, "orderCancel", manager_a, id=paid["id"]))["order"]["status"] == "CANCELLED"
    packer_a = await staff(shop, StaffRole.FULFILLMENT, shop.store_a, "packer-a")
    assert errors(await run(shop, SHIP, "orderShip", packer_a, id=unpaid["id"])) == [("INVALID_TRANSITION", None)]
