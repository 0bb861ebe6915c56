"""Hostile and careless clients on the buying path, against production settings (no demo, DEBUG off,
no PAYMENTS_SANDBOX): nobody takes goods they did not pay for or a price they may not have.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from api.app import build_services
from api.settings import Settings
from db.models import Cart, Channel, Order, OrderEvent, Payment
from domain.access.model import StaffRole
from domain.orders.records import PaymentMethod
from domain.promotions import Conditions, FixedPrice, PercentOff
from tests.api.test_apps import create_app
from tests.api.test_carts import ADD, READ, Shop, address, errors, open_shop
from tests.api.test_checkout import checkout, placed
from tests.api.test_members import new_member
from tests.api.test_order_flow import PAY
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_promotion

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def delivery_order(shop: Shop, token: str | None = None) -> dict[str, Any]:
    cart = await shop.cart([(0, 2)], token=token)  # 2 x 50.00 + 10.00 shipping
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=token)
    return await placed(shop, cart["id"], token=token)


async def pay(shop: Shop, order: dict[str, Any], method: str, token: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = (
        await shop.client.data(
            PAY, {"id": order["id"], "method": method, "amount": order["total"]["amount"]}, token=token
        )
    )["orderPay"]
    return result


async def nothing_paid(shop: Shop) -> bool:
    async with shop.engine.connect() as conn:
        payments = await conn.scalar(sa.select(sa.func.count()).select_from(Payment))
        statuses = (await conn.scalars(sa.select(Order.status))).all()
        paid_events = await conn.scalar(
            sa.select(sa.func.count()).select_from(OrderEvent).where(OrderEvent.type == "PAID")
        )
    return payments == 0 and {s.value for s in statuses} == {"UNPAID"} and paid_events == 0


# --- item 4: who records which payment ------------------------------------------------------------


async def test_a_shopper_cannot_pay_their_own_order_with_the_sandbox_in_production(shop: Shop) -> None:
    order = await delivery_order(shop)
    refused = await pay(shop, order, "SANDBOX")
    assert errors(refused) == [("PAYMENT_METHOD_UNAVAILABLE", ["input", "method"])] and refused["order"] is None
    assert await nothing_paid(shop)


@pytest.mark.parametrize("method", ["CASH", "CARD", "WECHAT_PAY", "ALIPAY"])
async def test_only_the_till_of_the_orders_store_records_money_taken_at_a_till(shop: Shop, method: str) -> None:
    order = await delivery_order(shop)
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    erp = (await create_app(shop.client, admin, ["ORDERS_WRITE"]))["token"]
    elsewhere = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_b)
    for caller in (None, erp, elsewhere):  # the shopper, an app with orders:write, another store's manager
        refused = await pay(shop, order, method, caller)
        assert errors(refused) == [("PAYMENT_METHOD_UNAVAILABLE", ["input", "method"])], caller
    assert await nothing_paid(shop)


# --- item 8: the till channel is the tills' ---------------------------------------------------------


async def test_a_web_shopper_cannot_buy_from_the_till_channel(shop: Shop) -> None:
    create = """mutation { cartCreate(input: {channel: "pos"}) { cart { id } userErrors { field code } } }"""
    member = await new_member(shop.client)
    for token in (None, member.token):
        created = (await shop.client.data(create, token=token))["cartCreate"]
        assert created == {"cart": None, "userErrors": [{"field": ["input", "channel"], "code": "CHANNEL_NOT_ALLOWED"}]}
    # a guest cart moved into the till channel (as one opened before the rule) is not checked out either
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    async with shop.engine.begin() as conn:
        pos = await conn.scalar(sa.select(Channel.id).where(Channel.slug == "pos"))
        await conn.execute(sa.update(Cart).values(channel_id=pos))
    assert errors(await checkout(shop, cart["id"])) == [("CHANNEL_NOT_ALLOWED", ["cartId"])]
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


# --- item 9: a per-member limit needs a member ----------------------------------------------------


async def test_a_guest_does_not_get_the_flash_sale_price_on_every_order(shop: Shop) -> None:
    await add_promotion(
        shop.engine,
        FixedPrice(Decimal("30.00"), per_member_limit=1),
        name="Flash",
        conditions=Conditions(variant_ids=frozenset({shop.variants[0]})),
    )
    for key in ("first", "second"):  # each a fresh guest cart: nothing ties the orders together
        cart = await shop.cart([(0, 1)])
        await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)})
        order = await placed(shop, cart["id"], key)
        assert (order["total"]["amount"], order["lines"][0]["discounts"]) == ("50.00", []), key


async def test_a_member_cannot_take_a_tills_cart_home(shop: Shop) -> None:
    """The cashier opened a till cart for Ann; from home she could otherwise add till-only products and
    have it delivered at till prices."""
    ann = await new_member(shop.client)
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier, member_id=ann.id)
    added = (
        await shop.client.data(
            ADD, {"id": cart["id"], "lines": [{"variantId": shop.v(0), "quantity": 5}]}, token=ann.token
        )
    )["cartLinesAdd"]
    delivered = await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=ann.token)
    placed_at_home = await checkout(shop, cart["id"], token=ann.token)
    for refused in (added, delivered, placed_at_home):
        assert errors(refused) == [("INVALID", ["cartId"])]
    assert (await shop.client.data(READ, {"id": cart["id"]}, token=ann.token))["cart"]["lines"] == cart["lines"]
    assert (await placed(shop, cart["id"], token=cashier))["fulfillmentMethod"] == "IN_STORE"


@pytest.mark.parametrize(
    ("demo", "change", "offered"),
    [(False, {}, False), (True, {}, True), (False, {"debug": True}, True), (False, {"payments_sandbox": True}, True)],
)
def test_the_sandbox_is_offered_only_in_demo_debug_or_when_asked_for(
    settings: Settings, demo: bool, change: dict[str, bool], offered: bool
) -> None:
    services = build_services(settings.model_copy(update=change), demo=demo)
    assert (PaymentMethod.SANDBOX in services.payments.offered) is offered
    assert PaymentMethod.CASH in services.payments.offered


async def test_a_deactivated_channel_sells_nothing_more_to_carts_opened_before(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    async with shop.engine.begin() as conn:  # a campaign channel closed while the cart was open
        await conn.execute(sa.update(Channel).where(Channel.slug == "online").values(is_active=False, is_default=False))
    assert errors(await checkout(shop, cart["id"])) == [("NOT_FOUND", ["cartId"])]
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


async def test_a_wholly_discounted_order_is_confirmed_without_money_or_a_gateway(shop: Shop) -> None:
    await add_promotion(shop.engine, PercentOff(Decimal(100)), name="On the house")
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)})
    order = await placed(shop, cart["id"])
    assert order["total"]["amount"] == "0.00"
    assert errors(await pay(shop, {**order, "total": {"amount": "0.01"}}, "SANDBOX")) == [
        ("INVALID", ["input", "amount"])
    ]
    confirmed = await pay(shop, order, "SANDBOX")
    assert confirmed["userErrors"] == [] and confirmed["order"]["status"] == "PAID"
    async with shop.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
