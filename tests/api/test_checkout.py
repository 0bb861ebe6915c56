"""Checkout through the graph: a cart becomes an order for each fulfilment method (app delivery,
mini-program pickup, till carry-out, endless aisle), with stock reserved where the order will come
from, points spent, and every refusal (empty cart, no pickup store, short stock) changing nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from db.models import Cart, Order, OrderLine
from domain.access.model import StaffRole
from domain.promotions import PercentOff, PointsMultiplier
from tests.api.test_carts import ADD, READ, Shop, address, errors, open_shop, set_price
from tests.api.test_members import ADJUST, new_member
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import Level, ledger, level, location_gid
from tests.promotion_fixtures import add_promotion

ORDER_FIELDS = """id number status fulfillmentMethod channel { slug } location { id } pickupLocation { id }
  subtotal { amount } discountTotal { amount } pointsDiscount { amount } shipping { amount } total { amount currency }
  amountDue { amount } pointsSpent pointsEarned pickupCode trackingNumber member { id }
  deliveryAddress { name city } expiresAt createdAt events { type } payments { kind method amount { amount } }
  lines { id sku productName quantity returnedQuantity unitPrice { amount } total { amount } discounts { label }
          variant { id } }"""
CHECKOUT = f"""mutation($id: ID!, $key: String!) {{
  checkoutComplete(cartId: $id, idempotencyKey: $key) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field code message }}
  }} }}"""
ORDER = f"""query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"""
BALANCE = "{ me { points { balance } } }"
PAY_CASH = """mutation($id: ID!, $amount: Decimal!) {
  orderPay(id: $id, input: {method: CASH, amount: $amount}) { userErrors { code } } }"""
PICKUP = """mutation($id: ID!, $code: String!) {
  orderPickup(id: $id, pickupCode: $code) { order { status } userErrors { field code message } } }"""


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def checkout(shop: Shop, cart_id: str, key: str = "key-1", token: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = (await shop.client.data(CHECKOUT, {"id": cart_id, "key": key}, token=token))[
        "checkoutComplete"
    ]
    return result


async def placed(shop: Shop, cart_id: str, key: str = "key-1", token: str | None = None) -> dict[str, Any]:
    result = await checkout(shop, cart_id, key, token)
    assert result["userErrors"] == [], result["userErrors"]
    order: dict[str, Any] = result["order"]
    return order


async def order_count(shop: Shop) -> int:
    async with shop.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(Order)) or 0)


async def assert_ledger_holds(shop: Shop) -> None:
    assert [r for r in await ledger(shop.engine) if not r.consistent] == []


# --- each fulfilment method ----------------------------------------------------------------------


async def test_an_app_delivery_reserves_stock_at_the_nearest_location_that_has_it_all(shop: Shop) -> None:
    cart = await shop.cart([(0, 2), (1, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    assert re.fullmatch(r"OS-\d{8}-\d{6}", order["number"])
    assert (order["status"], order["fulfillmentMethod"], order["channel"], order["member"]) == (
        "UNPAID",
        "DELIVERY",
        {"slug": "online"},
        None,
    )
    assert [
        (ln["sku"] != "", ln["quantity"], ln["unitPrice"]["amount"], ln["total"]["amount"]) for ln in order["lines"]
    ] == [(True, 2, "50.00", "100.00"), (True, 1, "120.00", "120.00")]
    assert {k: order[k]["amount"] for k in ("subtotal", "shipping", "total", "amountDue")} == {
        "subtotal": "220.00",
        "shipping": "0.00",
        "total": "220.00",
        "amountDue": "220.00",
    }
    assert order["deliveryAddress"] == {"name": "Ann Lee", "city": "Shanghai"}
    assert order["events"] == [{"type": "PLACED"}] and order["pickupCode"] is None and order["expiresAt"]
    # Store A (3 km away, ships to homes) has everything; the warehouse is 50 km away.
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 2)
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(10, 0)
    assert (await shop.client.data(READ, {"id": cart["id"]}))["cart"]["isCompleted"] is True
    await assert_ledger_holds(shop)


async def test_a_delivery_without_coordinates_comes_from_the_preferred_location(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address(latitude=None, longitude=None)})
    await placed(shop, cart["id"])
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(10, 1)  # priority 10 beats 100


async def test_a_mini_program_pickup_reserves_at_that_store_and_shows_the_code_once(shop: Shop) -> None:
    member = await new_member(shop.client)
    cart = await shop.cart([(0, 3)], token=member.token)
    await shop.fulfil(
        cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, token=member.token
    )
    order = await placed(shop, cart["id"], token=member.token)
    assert re.fullmatch(r"\d{6}", order["pickupCode"])
    assert order["location"] == order["pickupLocation"] == {"id": location_gid(shop.store_a)}
    assert order["member"] == {"id": member.id} and order["shipping"]["amount"] == "0.00"
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 3)
    again = (await shop.client.data(ORDER, {"id": order["id"]}, token=member.token))["order"]
    assert again["pickupCode"] is None and again["number"] == order["number"]
    async with shop.engine.connect() as conn:
        stored = await conn.scalar(sa.select(Order.pickup_code_hash))
    assert stored and order["pickupCode"] not in stored


async def test_a_retried_pickup_checkout_gets_the_same_working_code(shop: Shop) -> None:
    member = await new_member(shop.client)
    cart = await shop.cart([(0, 1)], token=member.token)
    await shop.fulfil(
        cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, token=member.token
    )
    first = await placed(shop, cart["id"], "lost-answer", token=member.token)
    retried = await placed(shop, cart["id"], "lost-answer", token=member.token)
    assert retried["id"] == first["id"] and retried["pickupCode"] == first["pickupCode"]
    assert errors(await checkout(shop, cart["id"], "lost-answer")) == [("NOT_FOUND", ["cartId"])]  # not theirs
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    await shop.client.data(PAY_CASH, {"id": first["id"], "amount": first["total"]["amount"]}, token=cashier)
    ready = await shop.client.data(
        "mutation($id: ID!) { orderReadyForPickup(id: $id) { order { status } } }", {"id": first["id"]}, token=cashier
    )
    assert ready["orderReadyForPickup"]["order"]["status"] == "READY_FOR_PICKUP"
    handed = (await shop.client.data(PICKUP, {"id": first["id"], "code": retried["pickupCode"]}, token=cashier))[
        "orderPickup"
    ]
    assert handed["userErrors"] == [] and handed["order"]["status"] == "COMPLETED"


async def test_a_pickup_needs_the_stock_at_that_store(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_b)})
    refused = await checkout(shop, cart["id"])
    assert errors(refused) == [("INSUFFICIENT_STOCK", ["lines", "0"])] and refused["order"] is None


async def test_a_till_sale_is_in_store_by_default_and_reserves_the_shelf(shop: Shop) -> None:
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier)
    order = await placed(shop, cart["id"], token=cashier)
    assert (order["fulfillmentMethod"], order["location"], order["channel"]) == (
        "IN_STORE",
        {"id": location_gid(shop.store_a)},
        {"slug": "pos"},
    )
    assert await level(shop.engine, shop.variants[1], shop.store_a) == Level(10, 1)


async def test_an_endless_aisle_order_at_a_till_ships_from_the_warehouse(shop: Shop) -> None:
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_b)
    cart = await shop.cart([(0, 1)], channel="pos", token=cashier)
    await shop.fulfil(cart["id"], {"method": "ENDLESS_AISLE", "address": address()}, token=cashier)
    order = await placed(shop, cart["id"], token=cashier)
    assert (order["fulfillmentMethod"], order["location"]) == ("ENDLESS_AISLE", {"id": location_gid(shop.store_b)})
    assert (order["shipping"]["amount"], order["total"]["amount"]) == ("10.00", "60.00")
    # Store A is nearer the customer, but an endless-aisle order ships from a warehouse.
    assert await level(shop.engine, shop.variants[0], shop.warehouse) == Level(10, 1)
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)


# --- refusals change nothing -------------------------------------------------------------------


async def test_an_empty_cart_cannot_be_checked_out(shop: Shop) -> None:
    cart = await shop.cart([])
    refused = await checkout(shop, cart["id"])
    assert errors(refused) == [("CART_EMPTY", ["cartId"])]
    added = await shop.client.data(ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(0), "quantity": 1}]})
    assert added["cartLinesAdd"]["userErrors"] == [], "the failed checkout left the cart open"


async def test_an_online_cart_needs_a_fulfilment_choice(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    assert errors(await checkout(shop, cart["id"])) == [("REQUIRED", ["cartId"])]


async def test_a_pickup_without_a_store_is_refused(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    async with shop.engine.begin() as conn:  # e.g. the store was deleted after it was chosen
        await conn.execute(sa.update(Cart).values(fulfilment_method="PICKUP", pickup_location_id=None))
    assert errors(await checkout(shop, cart["id"])) == [("PICKUP_LOCATION_REQUIRED", ["cartId"])]


async def test_short_stock_names_the_line_and_reserves_nothing(shop: Shop) -> None:
    cart = await shop.cart([(0, 1), (1, 25)])  # 20 of the second exist: 10 in the warehouse, 10 in store A
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    before = [await level(shop.engine, v, loc) for v in shop.variants for loc in (shop.warehouse, shop.store_a)]
    refused = await checkout(shop, cart["id"])
    assert errors(refused) == [("INSUFFICIENT_STOCK", ["lines", "1"])]
    assert [await level(shop.engine, v, loc) for v in shop.variants for loc in (shop.warehouse, shop.store_a)] == before
    assert await order_count(shop) == 0
    await assert_ledger_holds(shop)


async def test_an_order_split_over_two_locations_when_neither_has_it_all(shop: Shop) -> None:
    cart = await shop.cart([(1, 15)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    await placed(shop, cart["id"])
    assert await level(shop.engine, shop.variants[1], shop.store_a) == Level(10, 10)
    assert await level(shop.engine, shop.variants[1], shop.warehouse) == Level(10, 5)


async def test_checkout_charges_the_channels_price_now_not_when_the_line_was_added(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    await set_price(shop.engine, shop.variants[0], Decimal("45.50"), ("online",))
    order = await placed(shop, cart["id"])
    assert (order["lines"][0]["unitPrice"]["amount"], order["total"]["amount"]) == ("45.50", "55.50")


async def test_a_line_the_channel_no_longer_sells_is_refused(shop: Shop) -> None:
    from db.models import VariantChannelListing

    cart = await shop.cart([(0, 1), (1, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    async with shop.engine.begin() as conn:
        await conn.execute(sa.delete(VariantChannelListing).where(VariantChannelListing.variant_id == shop.variants[1]))
    assert errors(await checkout(shop, cart["id"])) == [("NOT_FOUND", ["lines", "1"])]


# --- idempotency, points, access -----------------------------------------------------------------


async def test_the_same_key_returns_the_same_order_and_another_key_is_refused(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    first = await placed(shop, cart["id"], "retry-me")
    second = await placed(shop, cart["id"], "retry-me")
    assert second["id"] == first["id"] and second["number"] == first["number"]
    other = await checkout(shop, cart["id"], "another")
    assert errors(other) == [("INVALID", ["cartId"])]
    assert await order_count(shop) == 1
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 1)


@pytest.mark.parametrize("key", ["", "   ", "k" * 101])
async def test_an_idempotency_key_is_1_to_100_characters(shop: Shop, key: str) -> None:
    cart = await shop.cart([(0, 1)])
    assert errors(await checkout(shop, cart["id"], key)) == [("INVALID", ["idempotencyKey"])]


async def test_points_applied_to_the_cart_are_spent_at_checkout(shop: Shop) -> None:
    member = await new_member(shop.client)
    admin = await shop.client.staff_token(shop.engine)
    await shop.client.data(ADJUST, {"m": member.id, "d": 3000, "r": "welcome"}, token=admin)
    cart = await shop.cart([(0, 1)], token=member.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=member.token)
    await shop.client.data(
        "mutation($id: ID!) { cartPointsApply(cartId: $id, points: 3000) { userErrors { code } } }",
        {"id": cart["id"]},
        token=member.token,
    )
    order = await placed(shop, cart["id"], token=member.token)
    # 50.00 + 10.00 shipping = 60.00; points pay at most half: 30.00 = 3,000 points.
    assert (order["pointsSpent"], order["pointsDiscount"]["amount"], order["total"]["amount"]) == (
        3000,
        "30.00",
        "30.00",
    )
    assert (await shop.client.data(BALANCE, token=member.token))["me"]["points"]["balance"] == 0


async def test_points_no_longer_in_the_balance_fail_the_checkout_and_reserve_nothing(shop: Shop) -> None:
    member = await new_member(shop.client)
    admin = await shop.client.staff_token(shop.engine)
    await shop.client.data(ADJUST, {"m": member.id, "d": 1000, "r": "welcome"}, token=admin)
    cart = await shop.cart([(0, 1)], token=member.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=member.token)
    await shop.client.data(
        "mutation($id: ID!) { cartPointsApply(cartId: $id, points: 1000) { userErrors { code } } }",
        {"id": cart["id"]},
        token=member.token,
    )
    await shop.client.data(ADJUST, {"m": member.id, "d": -500, "r": "correction"}, token=admin)
    refused = await checkout(shop, cart["id"], token=member.token)
    assert errors(refused) == [("INSUFFICIENT_POINTS", ["cartId"])]
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)
    assert await order_count(shop) == 0


async def test_someone_elses_cart_cannot_be_checked_out(shop: Shop) -> None:
    ann = await new_member(shop.client)
    bo = await new_member(shop.client, email="bo@example.com", name="Bo")
    cart = await shop.cart([(0, 1)], token=ann.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=ann.token)
    for token in (bo.token, None):
        assert errors(await checkout(shop, cart["id"], token=token)) == [("NOT_FOUND", ["cartId"])]
    assert errors(await checkout(shop, "bogus")) == [("NOT_FOUND", ["cartId"])]
    order = await placed(shop, cart["id"], token=ann.token)
    assert (await shop.client.data(ORDER, {"id": order["id"]}, token=bo.token))["order"] is None
    assert (await shop.client.data(ORDER, {"id": order["id"]}))["order"] is None
    viewer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    assert (await shop.client.data(ORDER, {"id": order["id"]}, token=viewer))["order"]["id"] == order["id"]


async def test_a_guest_order_has_no_member_and_is_read_by_its_id(shop: Shop) -> None:
    cart = await shop.cart([(2, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    assert order["member"] is None and order["pointsSpent"] == 0
    read = (await shop.client.data(ORDER, {"id": order["id"]}))["order"]
    assert read["number"] == order["number"]
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(Order.member_id)) is None
        assert await conn.scalar(sa.select(sa.func.count()).select_from(OrderLine)) == 1


async def test_a_second_order_for_one_cart_and_key_is_refused_by_the_database_too(shop: Shop) -> None:
    """The claim lets one checkout per cart write an order; the unique (cart, key) backs it up."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    from db.engine import create_session_factory
    from db.uow import SqlUnitOfWork
    from domain.inventory.model import FulfilmentMethod
    from domain.orders.checkout import NewOrder, NewOrderLine, OrderEvent
    from domain.orders.pricing import Totals
    from domain.orders.records import OrderEventType

    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    first = await placed(shop, cart["id"], "same")
    async with shop.engine.connect() as conn:
        cart_id = await conn.scalar(sa.select(Cart.id))
        channel_id = await conn.scalar(sa.select(Order.channel_id))
    now = datetime.now(UTC)
    duplicate = NewOrder(
        "x" * 32,
        cart_id,
        "same",
        channel_id,
        None,
        None,
        None,
        FulfilmentMethod.DELIVERY,
        None,
        None,
        Totals("CNY", *(Decimal(0),) * 2, 0, *(Decimal(0),) * 3),
        None,
        now,
        now,
    )
    line = NewOrderLine(shop.variants[0], "SKU", "Product", "Variant", 1, Decimal(1), (), Decimal(1))
    async with create_session_factory(shop.engine)() as session:
        uow = SqlUnitOfWork(session)
        with pytest.raises(IntegrityError):
            async with uow.transaction():
                await uow.orders.add_order(duplicate, [line], [], OrderEvent(OrderEventType.PLACED, {}, None, None))
        found = await uow.orders.order_by_key(cart_id, "same")
    assert found is not None and found.number == first["number"]
    assert await order_count(shop) == 1


async def test_reading_several_carts_and_orders_by_id_costs_the_same_statements_as_one(
    shop: Shop, statements: Any
) -> None:
    ids = []
    for _ in range(3):
        cart = await shop.cart([(0, 1), (1, 1), (2, 1)])
        await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
        ids.append((cart["id"], (await placed(shop, cart["id"]))["id"]))
    nodes = """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Cart { total { amount } cartLines: lines {
      unitPrice { amount } variant { sku } } } ... on Order { number orderLines: lines { sku variant { sku } }
      payments { kind } events { type } channel { slug } } } }"""
    counts = []
    for size in (1, 3):
        wanted = [i for pair in ids[:size] for i in pair]
        statements.reset()
        found = (await shop.client.data(nodes, {"ids": wanted}))["nodes"]
        assert [n["id"] for n in found] == wanted
        counts.append(statements.count)
    assert counts[0] == counts[1], counts


LEAN_CHECKOUT = """mutation($id: ID!, $key: String!) {
  checkoutComplete(cartId: $id, idempotencyKey: $key) {
    order { id number status total { amount } } userErrors { code } } }"""


@pytest.mark.parametrize("lines", [[(0, 1)], [(0, 1), (1, 2)]])
async def test_a_checkout_costs_a_fixed_number_of_statements_and_one_reservation_per_stock_level(
    shop: Shop, statements: Any, lines: list[tuple[int, int]]
) -> None:
    """Claim (returning the cart, its channel and, on PostgreSQL, its lines with their prices; elsewhere the lines
    are a statement of their own), stock, running promotions, the order with everything that hangs off it (one
    statement on PostgreSQL), movements with their outbox rows (one statement on PostgreSQL, two elsewhere) and
    one reservation per stock level (on PostgreSQL all of them in one message with the COMMIT): what each buyer
    of a flash sale costs (with promotions running, one more: the variants' categories). The payload shows the
    order as written, without reading it back."""
    cart = await shop.cart(lines)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    statements.reset()
    done = (await shop.client.data(LEAN_CHECKOUT, {"id": cart["id"], "key": "k"}))["checkoutComplete"]
    assert done["userErrors"] == [] and done["order"]["status"] == "UNPAID"
    if shop.engine.dialect.name == "postgresql":
        # one message, the reservations and the COMMIT: the hot stock rows are locked only while it runs
        assert statements.count == 1 + 2 + 1 + 1 + 1, statements.statements
        last = statements.statements[-1]
        assert last.startswith("DO $$") and last.endswith("; COMMIT; BEGIN"), last
        assert last.count("UPDATE stock_levels") == len(lines), last
        return
    assert statements.count == 2 + 2 + 8 + 2 + len(lines), statements.statements
    # the reservations come last: the hot stock rows are locked from their UPDATE to the COMMIT only
    reserving = [s.lstrip().upper().startswith("UPDATE STOCK_LEVELS") for s in statements.statements]
    assert reserving == [False] * (statements.count - len(lines)) + [True] * len(lines), statements.statements


async def test_a_checkout_refused_for_want_of_stock_reads_only_the_cart_its_lines_and_the_stock(
    shop: Shop, statements: Any
) -> None:
    """Most of a sold-out flash sale's buyers end here: the claim (with the channel, and on PostgreSQL the
    lines), the lines elsewhere, and the stock, then the rollback; no promotions read, nothing written."""
    cart = await shop.cart([(0, 999)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    statements.reset()
    refused = (await shop.client.data(LEAN_CHECKOUT, {"id": cart["id"], "key": "k"}))["checkoutComplete"]
    assert refused["userErrors"] == [{"code": "INSUFFICIENT_STOCK"}] and refused["order"] is None
    assert statements.count == (2 if shop.engine.dialect.name == "postgresql" else 3), statements.statements


ANSWERED = """id number status fulfillmentMethod subtotal { amount currency } discountTotal { amount }
  pointsDiscount { amount } shipping { amount } total { amount currency } amountDue { amount } pointsSpent
  pointsEarned pointsMultiplier trackingNumber expiresAt createdAt updatedAt channel { slug } location { id }
  pickupLocation { id } member { id } deliveryAddress { name phone line1 city postalCode country latitude longitude }
  attribution { channel { slug } sellingLocation { id } fulfillingLocations { id } referringLocation { id } }
  events { type createdAt } fulfillments { id status location { id } }
  lines { id sku productName variantName quantity returnedQuantity unitPrice { amount } total { amount }
          discounts { label amount { amount } } }"""


async def test_the_checkouts_answer_is_the_order_as_a_read_gives_it(shop: Shop) -> None:
    """The answer shows the order as it was written, without reading it back: every field must be what
    a read of the stored order gives (amounts and the points multiplier as stored, times in UTC)."""
    await add_promotion(shop.engine, PointsMultiplier(Decimal("1.2345")), name="Odd points")
    await add_promotion(shop.engine, PercentOff(Decimal("12.5")), name="Odd cents")
    ann = await new_member(shop.client)
    cart = await shop.cart([(0, 3), (1, 1)], token=ann.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=ann.token)
    answer = f"""mutation($id: ID!) {{ checkoutComplete(cartId: $id, idempotencyKey: "k") {{
      order {{ {ANSWERED} }} userErrors {{ code }} }} }}"""
    done = (await shop.client.data(answer, {"id": cart["id"]}, token=ann.token))["checkoutComplete"]
    assert done["userErrors"] == [] and done["order"]["pointsMultiplier"] != "1"
    read = f"""query($id: ID!) {{ order(id: $id) {{ {ANSWERED} }} }}"""
    assert (await shop.client.data(read, {"id": done["order"]["id"]}, token=ann.token))["order"] == done["order"]
