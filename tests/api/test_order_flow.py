"""An order's life after checkout, as buyers, tills, the warehouse and customer service drive it: pay,
ship, deliver, ready for pickup, pick up with the code, carry out at the till, cancel, expire; stock
and points following each step; illegal steps refused; and who may see and list orders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from api.settings import Settings
from db.engine import create_session_factory
from db.models import InventoryMovement, Order
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.members.points_services import PointsPolicy
from domain.orders.services import expire_order
from tests.api.test_carts import Shop, address, errors, open_shop
from tests.api.test_checkout import BALANCE, ORDER, ORDER_FIELDS, assert_ledger_holds, placed
from tests.api.test_members import ADJUST, SignedIn, new_member, top_code
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import Level, level, location_gid

ERRORS = "userErrors { field code message }"
PAY = f"""mutation($id: ID!, $method: PaymentMethod!, $amount: Decimal!) {{
  orderPay(id: $id, input: {{method: $method, amount: $amount}}) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
CANCEL = f"""mutation($id: ID!) {{ orderCancel(id: $id) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
SHIP = f"""mutation($id: ID!) {{
  orderShip(id: $id, input: {{trackingNumber: "SF123"}}) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
DELIVER = f"""mutation($id: ID!) {{ orderDeliver(id: $id) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
READY = f"""mutation($id: ID!) {{ orderReadyForPickup(id: $id) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
PICKUP = f"""mutation($id: ID!, $code: String!) {{
  orderPickup(id: $id, pickupCode: $code) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
ORDERS = """query($first: Int, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) { totalCount edges { node { number status } }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Buyers pay with the test gateway here (tests/hostile/test_checkout.py: refused in production)."""
    return settings.model_copy(update={"payments_sandbox": True})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def run(shop: Shop, document: str, name: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await shop.client.data(document, variables, token=token))[name]
    return result


async def member_with_points(shop: Shop, points: int = 0, email: str = "ann@example.com") -> SignedIn:
    member = await new_member(shop.client, email=email)
    if points:
        admin = await shop.client.staff_token(shop.engine, email="points-admin@example.com")
        await shop.client.data(ADJUST, {"m": member.id, "d": points, "r": "welcome"}, token=admin)
    return member


async def balance(shop: Shop, member: SignedIn) -> int:
    return int((await shop.client.data(BALANCE, token=member.token))["me"]["points"]["balance"])


async def delivery_order(
    shop: Shop, token: str | None = None, lines: list[tuple[int, int]] | None = None
) -> dict[str, Any]:
    cart = await shop.cart(lines or [(0, 2)], token=token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=token)
    return await placed(shop, cart["id"], token=token)


async def pickup_order(shop: Shop, member: SignedIn) -> dict[str, Any]:
    cart = await shop.cart([(0, 1), (2, 1)], token=member.token)
    await shop.fulfil(
        cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, token=member.token
    )
    return await placed(shop, cart["id"], token=member.token)


async def pay(shop: Shop, order: dict[str, Any], token: str | None = None, method: str = "SANDBOX") -> dict[str, Any]:
    paid = await run(shop, PAY, "orderPay", token, id=order["id"], method=method, amount=order["total"]["amount"])
    assert paid["userErrors"] == [], paid["userErrors"]
    result: dict[str, Any] = paid["order"]
    return result


# --- the happy paths -------------------------------------------------------------------------------


async def test_a_delivery_is_paid_shipped_and_delivered_and_earns_points(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await delivery_order(shop, member.token)  # 2 x 50.00 = 100.00 (+10.00 shipping)
    paid = await pay(shop, order, member.token)
    assert (paid["status"], paid["amountDue"]["amount"], paid["expiresAt"]) == ("PAID", "0.00", None)
    assert paid["payments"] == [{"kind": "CAPTURE", "method": "SANDBOX", "amount": {"amount": "110.00"}}]
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    shipped = await run(shop, SHIP, "orderShip", packer, id=order["id"])
    assert (shipped["order"]["status"], shipped["order"]["trackingNumber"]) == ("SHIPPED", "SF123")
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(8, 0)  # the units left store A
    delivered = await run(shop, DELIVER, "orderDeliver", packer, id=order["id"])
    assert (delivered["order"]["status"], delivered["order"]["pointsEarned"]) == ("COMPLETED", 110)
    assert await balance(shop, member) == 110
    assert [e["type"] for e in delivered["order"]["events"]] == [
        "PLACED",
        "PAID",
        "SHIPPED",
        "DELIVERED",
        "COMPLETED",
        "POINTS_EARNED",
    ]
    await assert_ledger_holds(shop)


async def test_a_pickup_is_collected_with_its_code_and_earns_points(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await pickup_order(shop, member)  # 50.00 + 9.99
    code = order["pickupCode"]
    await pay(shop, order, member.token)
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    ready = await run(shop, READY, "orderReadyForPickup", cashier, id=order["id"])
    assert ready["order"]["status"] == "READY_FOR_PICKUP"
    wrong = await run(
        shop, PICKUP, "orderPickup", cashier, id=order["id"], code="000000" if code != "000000" else "111111"
    )
    assert errors(wrong) == [("PICKUP_CODE_INVALID", ["pickupCode"])] and wrong["order"] is None
    done = await run(shop, PICKUP, "orderPickup", cashier, id=order["id"], code=code)
    assert done["userErrors"] == []
    assert (done["order"]["status"], done["order"]["pointsEarned"]) == ("COMPLETED", 59)
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(9, 0)
    assert await balance(shop, member) == 59
    assert "PICKUP_CODE_REJECTED" in [e["type"] for e in done["order"]["events"]]
    await assert_ledger_holds(shop)


async def test_five_wrong_pickup_codes_lock_the_order(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await pickup_order(shop, member)
    await pay(shop, order, member.token)
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    await run(shop, READY, "orderReadyForPickup", manager, id=order["id"])
    wrong = "123456" if order["pickupCode"] != "123456" else "654321"
    for _ in range(5):
        refused = await run(shop, PICKUP, "orderPickup", manager, id=order["id"], code=wrong)
        assert errors(refused) == [("PICKUP_CODE_INVALID", ["pickupCode"])]
    locked = await run(shop, PICKUP, "orderPickup", manager, id=order["id"], code=order["pickupCode"])
    assert (
        errors(locked) == [("PICKUP_CODE_INVALID", ["pickupCode"])] and "Too many" in locked["userErrors"][0]["message"]
    )
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(Order.pickup_attempts)) == 5
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 1)


async def test_paying_at_the_till_completes_an_in_store_sale_at_once(shop: Shop) -> None:
    member = await member_with_points(shop)
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 2)], channel="pos", token=cashier, member_id=member.id)
    order = await placed(shop, cart["id"], token=cashier)
    sold = await pay(shop, order, cashier, method="CASH")
    assert (sold["status"], sold["pointsEarned"], sold["member"]) == ("COMPLETED", 240, {"id": member.id})
    assert await level(shop.engine, shop.variants[1], shop.store_a) == Level(8, 0)  # off the shelf
    assert await balance(shop, member) == 240
    async with shop.engine.connect() as conn:
        kinds = (
            await conn.scalars(
                sa.select(InventoryMovement.kind)
                .where(InventoryMovement.reference == f"order:{order['number']}")
                .order_by(InventoryMovement.id)
            )
        ).all()
    assert [k.value for k in kinds] == ["RESERVATION", "SALE"]
    await assert_ledger_holds(shop)


async def test_a_guest_earns_no_points(shop: Shop) -> None:
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier)
    sold = await pay(shop, await placed(shop, cart["id"], token=cashier), cashier, method="CARD")
    assert (sold["status"], sold["pointsEarned"], sold["member"]) == ("COMPLETED", 0, None)


# --- payments --------------------------------------------------------------------------------------


async def test_the_payment_must_be_exactly_what_is_due(shop: Shop) -> None:
    order = await delivery_order(shop)
    for amount in ("100.00", "110.01", "-110.00", "110.001", "NaN"):
        refused = await run(shop, PAY, "orderPay", id=order["id"], method="SANDBOX", amount=amount)
        assert [e["field"] for e in refused["userErrors"]] == [["input", "amount"]], amount
    assert (await shop.client.data(ORDER, {"id": order["id"]}))["order"]["status"] == "UNPAID"


async def test_the_buyer_cannot_record_cash_and_pays_only_once(shop: Shop) -> None:
    order = await delivery_order(shop)
    cash = await run(shop, PAY, "orderPay", id=order["id"], method="CASH", amount="110.00")
    assert errors(cash) == [("PAYMENT_METHOD_UNAVAILABLE", ["input", "method"])]
    await pay(shop, order)
    again = await run(shop, PAY, "orderPay", id=order["id"], method="SANDBOX", amount="0.00")
    assert errors(again) == [("INVALID_TRANSITION", None)]


# --- cancelling ------------------------------------------------------------------------------------


async def test_a_member_cancels_an_unpaid_order_stock_is_released_and_points_come_back(shop: Shop) -> None:
    member = await member_with_points(shop, 2000)
    cart = await shop.cart([(0, 2)], token=member.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=member.token)
    await shop.client.data(
        "mutation($id: ID!) { cartPointsApply(cartId: $id, points: 2000) { userErrors { code } } }",
        {"id": cart["id"]},
        token=member.token,
    )
    order = await placed(shop, cart["id"], token=member.token)
    assert order["pointsSpent"] == 2000 and await balance(shop, member) == 0
    cancelled = await run(shop, CANCEL, "orderCancel", member.token, id=order["id"])
    assert cancelled["userErrors"] == [] and cancelled["order"]["status"] == "CANCELLED"
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)
    assert await balance(shop, member) == 2000
    again = await run(shop, CANCEL, "orderCancel", member.token, id=order["id"])
    assert errors(again) == [("INVALID_TRANSITION", None)]
    await assert_ledger_holds(shop)


async def test_a_paid_order_is_cancelled_by_customer_service_with_a_refund(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await delivery_order(shop, member.token)
    await pay(shop, order, member.token)
    refused = await run(shop, CANCEL, "orderCancel", member.token, id=order["id"])
    assert errors(refused) == [("INVALID_TRANSITION", None)]
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    cancelled = (await run(shop, CANCEL, "orderCancel", manager, id=order["id"]))["order"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["payments"] == [
        {"kind": "CAPTURE", "method": "SANDBOX", "amount": {"amount": "110.00"}},
        {"kind": "REFUND", "method": "SANDBOX", "amount": {"amount": "110.00"}},
    ]
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)


async def test_an_unpaid_order_expires_and_releases_its_stock(shop: Shop) -> None:
    order = await delivery_order(shop)
    later = datetime.now(UTC) + timedelta(hours=1)
    async with create_session_factory(shop.engine)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            due = await uow.orders.expired(later, 100)
            assert len(due) == 1
            assert await expire_order(uow, due[0], policy=PointsPolicy(), now=later)
    expired = (await shop.client.data(ORDER, {"id": order["id"]}))["order"]
    assert expired["status"] == "CANCELLED" and expired["events"][-1] == {"type": "EXPIRED"}
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)


# --- illegal steps and access --------------------------------------------------------------------


async def test_steps_the_life_cycle_does_not_allow_are_invalid_transitions(shop: Shop) -> None:
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    unpaid = await delivery_order(shop)
    assert errors(await run(shop, SHIP, "orderShip", packer, id=unpaid["id"])) == [("INVALID_TRANSITION", None)]
    assert errors(await run(shop, DELIVER, "orderDeliver", packer, id=unpaid["id"])) == [("INVALID_TRANSITION", None)]
    paid = await pay(shop, unpaid)
    assert errors(await run(shop, READY, "orderReadyForPickup", manager, id=paid["id"])) == [
        ("INVALID_TRANSITION", None)
    ]
    member = await member_with_points(shop)
    pickup = await pickup_order(shop, member)
    await pay(shop, pickup, member.token)
    assert errors(await run(shop, SHIP, "orderShip", packer, id=pickup["id"])) == [("INVALID_TRANSITION", None)]
    assert errors(await run(shop, PICKUP, "orderPickup", manager, id=pickup["id"], code=pickup["pickupCode"])) == [
        ("INVALID_TRANSITION", None)
    ]


async def test_other_peoples_and_other_stores_orders_are_not_found(shop: Shop) -> None:
    ann = await member_with_points(shop)
    bo = await member_with_points(shop, email="bo@example.com")
    order = await pickup_order(shop, ann)
    assert (await shop.client.data(ORDER, {"id": order["id"]}, token=bo.token))["order"] is None
    for document, name, extra in (
        (PAY, "orderPay", {"method": "SANDBOX", "amount": "59.99"}),
        (CANCEL, "orderCancel", {}),
    ):
        assert errors(await run(shop, document, name, bo.token, id=order["id"], **extra)) == [("NOT_FOUND", ["id"])]
    await pay(shop, order, ann.token)
    elsewhere = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_b)
    assert errors(await run(shop, READY, "orderReadyForPickup", elsewhere, id=order["id"])) == [("NOT_FOUND", ["id"])]
    assert top_code(await shop.client.post(READY, {"id": order["id"]}, token=ann.token)) == "FORBIDDEN"
    assert top_code(await shop.client.post(SHIP, {"id": order["id"]})) == "UNAUTHENTICATED"


async def test_members_list_their_own_orders_and_staff_list_all_newest_first(shop: Shop) -> None:
    ann = await member_with_points(shop)
    bo = await member_with_points(shop, email="bo@example.com")
    mine = [await delivery_order(shop, ann.token, [(2, 1)]) for _ in range(3)]
    theirs = await delivery_order(shop, bo.token, [(2, 1)])
    await pay(shop, mine[0], ann.token)
    listed = await run(shop, ORDERS, "orders", ann.token, first=2)
    assert [e["node"]["number"] for e in listed["edges"]] == [mine[2]["number"], mine[1]["number"]]
    assert listed["totalCount"] == 3 and listed["pageInfo"]["hasNextPage"]
    rest = await run(shop, ORDERS, "orders", ann.token, first=2, after=listed["pageInfo"]["endCursor"])
    assert [e["node"]["number"] for e in rest["edges"]] == [mine[0]["number"]]
    paid = await run(shop, ORDERS, "orders", ann.token, filter={"status": "PAID"})
    assert [e["node"]["number"] for e in paid["edges"]] == [mine[0]["number"]]
    staff = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    everything = await run(shop, ORDERS, "orders", staff)
    assert everything["totalCount"] == 4 and everything["edges"][0]["node"]["number"] == theirs["number"]
    only_bo = await run(shop, ORDERS, "orders", staff, filter={"memberId": bo.id, "channel": "online"})
    assert [e["node"]["number"] for e in only_bo["edges"]] == [theirs["number"]]
    for window, found in (
        ({"createdFrom": "2999-01-01T00:00:00"}, 0),
        ({"createdTo": "2999-01-01T00:00:00"}, 4),
        ({"createdFrom": "2000-01-01T00:00:00+08:00", "status": "UNPAID"}, 3),
    ):
        assert (await run(shop, ORDERS, "orders", staff, filter=window))["totalCount"] == found, window
    assert top_code(await shop.client.post(ORDERS, {})) == "UNAUTHENTICATED"
    assert top_code(await shop.client.post(ORDERS, {"filter": {"memberId": bo.id}}, token=ann.token)) == "FORBIDDEN"


MY_ORDERS = """query($first: Int, $after: String) { me { orders(first: $first, after: $after) {
  totalCount edges { node { number } } pageInfo { hasNextPage endCursor } } } }"""
MEMBERS_ORDERS = """{ members(first: 20) { edges { node { name orders(first: 2) { edges { node {
  number total { amount } lines { sku variant { sku } } payments { kind } } } } } } } }"""


async def test_a_member_reads_their_orders_on_their_profile(shop: Shop) -> None:
    ann = await member_with_points(shop)
    bo = await member_with_points(shop, email="bo@example.com")
    mine = [await delivery_order(shop, ann.token, [(2, 1)]) for _ in range(3)]
    await delivery_order(shop, bo.token, [(2, 1)])
    page = (await shop.client.data(MY_ORDERS, {"first": 2}, token=ann.token))["me"]["orders"]
    assert [e["node"]["number"] for e in page["edges"]] == [mine[2]["number"], mine[1]["number"]]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = (await shop.client.data(MY_ORDERS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=ann.token))[
        "me"
    ]["orders"]
    assert [e["node"]["number"] for e in rest["edges"]] == [mine[0]["number"]]
    assert not rest["pageInfo"]["hasNextPage"]


async def test_members_with_their_orders_cost_the_same_statements_for_1_or_3_members(
    shop: Shop, statements: StatementCounter
) -> None:
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    counts = []
    for i in range(3):
        member = await member_with_points(shop, email=f"m{i}@example.com")
        for _ in range(3):
            await pay(shop, await delivery_order(shop, member.token, [(2, 1), (0, 1)]), member.token)
        if i in (0, 2):
            statements.reset()
            listed = (await shop.client.data(MEMBERS_ORDERS, token=manager))["members"]["edges"]
            assert len(listed) == i + 1 and all(len(m["node"]["orders"]["edges"]) == 2 for m in listed)
            counts.append(statements.count)
    assert counts[0] == counts[1], counts


RETURN = f"""mutation($id: ID!, $input: OrderReturnInput!) {{
  orderReturn(id: $id, input: $input) {{ order {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""


async def test_returned_goods_go_back_on_the_shelf_are_refunded_and_their_points_clawed_back(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await delivery_order(shop, member.token)  # 2 x 50.00 from store A, + 10.00 shipping
    await pay(shop, order, member.token)
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    await run(shop, SHIP, "orderShip", packer, id=order["id"])
    await run(shop, DELIVER, "orderDeliver", packer, id=order["id"])
    assert await balance(shop, member) == 110
    line = order["lines"][0]["id"]
    manager = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, email="cs@example.com", location_id=shop.store_a
    )
    too_many = await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": line, "quantity": 3}]}
    )
    assert errors(too_many) == [("INVALID_QUANTITY", ["input", "lines", "0", "quantity"])]
    part = await run(
        shop,
        RETURN,
        "orderReturn",
        manager,
        id=order["id"],
        input={"lines": [{"orderLineId": line, "quantity": 1}], "locationId": location_gid(shop.warehouse)},
    )
    assert part["userErrors"] == []
    assert (part["order"]["status"], part["order"]["lines"][0]["returnedQuantity"]) == ("PARTIALLY_RETURNED", 1)
    assert part["order"]["payments"][-1] == {"kind": "REFUND", "method": "SANDBOX", "amount": {"amount": "50.00"}}
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(11, 0)
    assert await balance(shop, member) == 55  # half the goods came back: half the 110 points go
    rest = await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": line, "quantity": 1}]}
    )
    assert rest["order"]["status"] == "RETURNED"
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(9, 0)  # back where it was sold from
    again = await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": line, "quantity": 1}]}
    )
    assert errors(again) == [("INVALID_QUANTITY", ["input", "lines", "0", "quantity"])]
    await assert_ledger_holds(shop)


async def test_returning_an_order_unit_by_unit_claws_back_exactly_what_it_earned(shop: Shop) -> None:
    """Each 1-unit return used to round alone: 3 x 53 of 160 points left a point the goods never paid for."""
    member = await member_with_points(shop)
    order = await delivery_order(shop, member.token, [(0, 3)])  # 3 x 50.00 + 10.00 shipping: 160 points
    await pay(shop, order, member.token)
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    await run(shop, SHIP, "orderShip", packer, id=order["id"])
    await run(shop, DELIVER, "orderDeliver", packer, id=order["id"])
    assert await balance(shop, member) == 160
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    left = []
    for _ in range(3):
        returned = await run(
            shop,
            RETURN,
            "orderReturn",
            manager,
            id=order["id"],
            input={"lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]},
        )
        assert returned["userErrors"] == []
        left.append(await balance(shop, member))
    assert left == [107, 53, 0]
    await assert_ledger_holds(shop)


async def test_only_completed_orders_come_back_and_only_staff_take_them(shop: Shop) -> None:
    member = await member_with_points(shop)
    order = await delivery_order(shop, member.token)
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    lines = {"lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]}
    assert errors(await run(shop, RETURN, "orderReturn", manager, id=order["id"], input=lines)) == [
        ("INVALID_TRANSITION", None)
    ]
    assert (
        top_code(await shop.client.post(RETURN, {"id": order["id"], "input": lines}, token=member.token)) == "FORBIDDEN"
    )
    bogus = await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": "nope", "quantity": 1}]}
    )
    assert errors(bogus) == [("NOT_FOUND", ["input", "lines", "0", "orderLineId"])]


async def test_a_payment_records_the_providers_reference(shop: Shop) -> None:
    order = await delivery_order(shop)
    await pay(shop, order)
    data = await shop.client.data(
        "query($id: ID!) { order(id: $id) { payments { kind method reference } } }", {"id": order["id"]}
    )
    [payment] = data["order"]["payments"]
    assert (payment["kind"], payment["method"]) == ("CAPTURE", "SANDBOX")
    assert payment["reference"].startswith("sandbox:")
