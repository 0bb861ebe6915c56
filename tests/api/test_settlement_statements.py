"""Settlement statements through the graph (issue #19's "Done when"): after completion and the return
window, generating the month's statements gives the referring franchisee its share, the fulfilling
store's party its fee and the brand the rest, summing exactly to the order's net; generating again
(also at once) makes nothing twice; a confirmed statement is frozen and its entries SETTLED; a
partial return shows as reversing entries in the next period's statements."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from api.settings import Settings
from api.settlement_export import HEADER, statement_csv
from db.models import OutboxEvent
from domain.access.model import StaffRole
from schema.relay import key_of
from tests.api.test_carts import Shop, address, errors, open_shop
from tests.api.test_checkout import placed
from tests.api.test_order_flow import RETURN, member_with_points, pay, run
from tests.api.test_settlement import (
    ATTRIBUTE,
    ORDER,
    RULE_CREATE,
    admin_of,
    by_party,
    complete,
    franchise,
    referral_code,
    referred_delivery,
)
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

STATEMENT = "id status total { amount currency } party { name } periodStart paymentReference"
GENERATE = f"""mutation($input: SettlementStatementGenerateInput!) {{
  settlementStatementGenerate(input: $input) {{ statements {{ {STATEMENT} }} userErrors {{ field code }} }} }}"""
CONFIRM = f"""mutation($id: ID!) {{
  settlementStatementConfirm(id: $id) {{ statement {{ {STATEMENT} }} userErrors {{ field code }} }} }}"""
PAID = f"""mutation($id: ID!, $ref: String!) {{ settlementStatementMarkPaid(id: $id, input: {{reference: $ref}}) {{
  statement {{ {STATEMENT} }} userErrors {{ field code }} }} }}"""
LIST = f"""query($filter: SettlementStatementFilter) {{ settlementStatements(first: 20, filter: $filter) {{
  totalCount edges {{ node {{ {STATEMENT} entries(first: 10) {{ totalCount edges {{ node {{ role event
    amount {{ amount }} status }} }} }} }} }} }} }}"""
POINTS = "mutation($id: ID!) { cartPointsApply(cartId: $id, points: 3000) { userErrors { code } } }"
NOW = datetime.now(UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"payments_sandbox": True})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


@asynccontextmanager
async def days_later(shop: Shop, settings: Settings, days: int) -> AsyncIterator[GraphQLClient]:
    """A client of the same shop `days` on (the app's clock: the return window has run its course)."""
    app = create_app(settings, engine=shop.engine, clock=lambda: datetime.now(UTC) + timedelta(days=days))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)


def period(start_days: int, end_days: int) -> dict[str, str]:
    return {
        "periodStart": (NOW + timedelta(days=start_days)).isoformat(),
        "periodEnd": (NOW + timedelta(days=end_days)).isoformat(),
    }


def totals(statements: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {s["party"]["name"]: Decimal(s["total"]["amount"]) for s in statements}


async def generate(client: GraphQLClient, token: str, dates: dict[str, str]) -> list[dict[str, Any]]:
    made = (await client.data(GENERATE, {"input": dates}, token=token))["settlementStatementGenerate"]
    assert made["userErrors"] == [], made
    statements: list[dict[str, Any]] = made["statements"]
    return statements


async def test_the_months_statements_split_a_referred_order_and_the_return_shows_next_period(
    shop: Shop, settings: Settings
) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    order = await referred_delivery(shop, await referral_code(shop, shop.store_b, admin))
    await complete(shop, order)
    assert await generate(shop.client, admin, period(-1, 30)) == [], "still within the return window"

    # Staff tokens expire (in real time); an app's token does not: the finance app works on later days.
    app = await shop.client.data(
        'mutation { appCreate(input: {name: "Finance", scopes: [SETTLEMENT_WRITE, ORDERS_WRITE]}) { token } }',
        token=admin,
    )
    finance = app["appCreate"]["token"]
    async with days_later(shop, settings, 8) as later:
        first = await generate(later, finance, period(-1, 30))
        assert totals(first) == {"North": Decimal("5.00"), "South": Decimal("6.00"), "Brand": Decimal("89.00")}
        assert sum(totals(first).values()) == Decimal(order["subtotal"]["amount"]), "the order's net, exactly"
        again, at_once = await asyncio.gather(
            generate(later, finance, period(-1, 30)), generate(later, finance, period(-1, 30))
        )
        assert sorted(s["id"] for s in again) == sorted(s["id"] for s in at_once) == sorted(s["id"] for s in first)
        assert totals(again) == totals(first), "nothing twice"

        for s in first:
            done = (await later.data(CONFIRM, {"id": s["id"]}, token=finance))["settlementStatementConfirm"]
            assert done["statement"]["status"] == "CONFIRMED"
        twice = (await later.data(CONFIRM, {"id": first[0]["id"]}, token=finance))["settlementStatementConfirm"]
        assert errors(twice) == [("INVALID_TRANSITION", ["id"])]
        listed = (await later.data(LIST, {"filter": {"status": "CONFIRMED"}}, token=finance))["settlementStatements"]
        assert listed["totalCount"] == 3
        assert {e["node"]["status"] for s in listed["edges"] for e in s["node"]["entries"]["edges"]} == {"SETTLED"}
        read = (await later.data(ORDER, {"id": order["id"]}, token=finance))["order"]
        assert {e["status"] for e in read["settlementEntries"]} == {"SETTLED"}
        north = next(s for s in first if s["party"]["name"] == "North")
        exported = (await statement_csv(shop.engine, key_of(north["id"], "SettlementStatement"))).splitlines()
        assert exported[0] == ",".join(HEADER)
        assert [row.split(",")[1:8] for row in exported[1:]] == [
            [order["number"], order["lines"][0]["sku"], "North", "REFERRER", "SALE", "5.00", "CNY"]
        ]

        line = order["lines"][0]["id"]
        returned = await run(
            Shop(later, shop.engine, shop.variants, shop.warehouse, shop.store_a, shop.store_b),
            RETURN,
            "orderReturn",
            finance,
            id=order["id"],
            input={"lines": [{"orderLineId": line, "quantity": 1}]},
        )
        assert returned["userErrors"] == []
        assert totals(await generate(later, finance, period(-1, 30))) == totals(first), "confirmed: frozen"

    async with days_later(shop, settings, 40) as next_month:
        second = await generate(next_month, finance, period(30, 60))
        assert totals(second) == {"North": Decimal("-2.50"), "South": Decimal("-3.00"), "Brand": Decimal("-44.50")}
        paid = await next_month.data(PAID, {"id": second[0]["id"], "ref": "BANK-1"}, token=finance)
        assert errors(paid["settlementStatementMarkPaid"]) == [("INVALID_TRANSITION", ["id"])], "confirm first"
        await next_month.data(CONFIRM, {"id": second[0]["id"]}, token=finance)
        paid = await next_month.data(PAID, {"id": second[0]["id"], "ref": "BANK-1"}, token=finance)
        assert paid["settlementStatementMarkPaid"]["statement"]["status"] == "PAID"
        assert paid["settlementStatementMarkPaid"]["statement"]["paymentReference"] == "BANK-1"

    async with shop.engine.connect() as conn:
        announced = await conn.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.topic == "webhook:SETTLEMENT_STATEMENT_CONFIRMED")
        )
    assert announced == 4, "each confirmation is a webhook event"
    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert by_party(read["settlementEntries"], "RETURN")[("North", "REFERRER")] == Decimal("-2.50")


async def test_a_period_ends_after_it_starts_and_statements_are_for_settlement_managers(shop: Shop) -> None:
    admin = await admin_of(shop)
    backwards = await shop.client.data(GENERATE, {"input": period(10, 0)}, token=admin)
    assert errors(backwards["settlementStatementGenerate"]) == [("INVALID", ["input", "periodEnd"])]
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    refused = await shop.client.post(LIST, {}, token=cashier)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_statements_of_a_month_add_up_to_the_net_sales_of_its_orders(shop: Shop, settings: Settings) -> None:
    """Points, a till sale at a franchise store, a referral and a partial return: every cent of the
    orders' net (merchandise after discounts and points, less what came back) is in a statement."""
    admin = await admin_of(shop)
    _, south = await franchise(shop, admin)
    seller = {"role": "SELLER", "rate": "70", "partyId": south}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=seller))["userErrors"] == []
    code = await referral_code(shop, shop.store_b, admin)

    member = await member_with_points(shop, 3000)
    cart = await shop.cart([(0, 1), (1, 2), (2, 3)], token=member.token)
    await run(shop, ATTRIBUTE, "cartAttributionSet", member.token, id=cart["id"], code=code)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=member.token)
    await shop.client.data(POINTS, {"id": cart["id"]}, token=member.token)
    with_points = await placed(shop, cart["id"], token=member.token)
    assert with_points["pointsDiscount"]["amount"] == "30.00"
    await pay(shop, with_points, member.token)
    await complete(shop, with_points)

    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    till = await shop.cart([(1, 1), (2, 2)], channel="pos", token=cashier)
    at_till = await placed(shop, till["id"], token=cashier)
    assert (await pay(shop, at_till, cashier, method="CARD"))["status"] == "COMPLETED"

    returned = await referred_delivery(shop, code)
    await complete(shop, returned)
    line = returned["lines"][0]["id"]
    back = {"lines": [{"orderLineId": line, "quantity": 1}]}
    assert (await run(shop, RETURN, "orderReturn", admin, id=returned["id"], input=back))["userErrors"] == []

    def net(order: dict[str, Any]) -> Decimal:
        merchandise = Decimal(order["subtotal"]["amount"]) - Decimal(order["discountTotal"]["amount"])
        return merchandise - min(Decimal(order["pointsDiscount"]["amount"]), merchandise)

    expected = net(with_points) + net(at_till) + net(returned) / 2
    app = await shop.client.data(
        'mutation { appCreate(input: {name: "Finance", scopes: [SETTLEMENT_WRITE]}) { token } }', token=admin
    )
    async with days_later(shop, settings, 8) as later:
        statements = await generate(later, app["appCreate"]["token"], period(-1, 30))
    assert sum(totals(statements).values()) == expected
    assert totals(statements)["South"] > 0 and totals(statements)["North"] > 0 and len(statements) == 3
