"""A guaranteed minimum per period (保底) through the graph: a mall hosting a concession earns 1 % of
its sales and is guaranteed 1.50 a period. Its statement is topped up to the minimum by an ADJUSTMENT
entry the brand bears, exactly once however often (and however concurrently) the DRAFT is rebuilt; a
top-up later sales make unnecessary is reversed; a CONFIRMED statement keeps its top-up, frozen.
The return window is 0 days here, so statements collect an order as soon as it completes."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from api.settings import Settings
from api.settlement_export import statement_csv
from schema.relay import key_of
from tests.api.test_carts import Shop, errors, open_shop
from tests.api.test_order_flow import run
from tests.api.test_settlement import (
    PARTY_CREATE,
    RULE_CREATE,
    admin_of,
    complete,
    franchise,
    referral_code,
    referred_delivery,
)
from tests.api.test_settlement_statements import CONFIRM, LIST, generate, period, totals
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

MINIMUM = "{ settlementRules(first: 10) { edges { node { role minimumPerPeriod { amount currency } } } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"payments_sandbox": True, "settlement_return_window_days": 0})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def mall(shop: Shop, admin: str, minimum: str = "1.50") -> str:
    """A mall hosting the brand's concession counter: 1 % of every sale, at least `minimum` a period."""
    made = await run(shop, PARTY_CREATE, "partyCreate", admin, input={"name": "Mall", "kind": "CONCESSION"})
    assert made["userErrors"] == [], made
    party: str = made["party"]["id"]
    rule = {"role": "HOST", "rate": "1", "partyId": party, "minimumPerPeriod": minimum}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=rule))["userErrors"] == []
    return party


def adjustments(listed: dict[str, Any], party: str) -> list[Decimal]:
    """The ADJUSTMENT entries of `party`'s statements, oldest first."""
    return [
        Decimal(e["node"]["amount"]["amount"])
        for s in listed["settlementStatements"]["edges"]
        if s["node"]["party"]["name"] == party
        for e in reversed(s["node"]["entries"]["edges"])
        if e["node"]["event"] == "ADJUSTMENT"
    ]


async def test_the_minimum_tops_the_statement_up_once_and_later_sales_take_the_top_up_back(shop: Shop) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    await mall(shop, admin)
    read = (await shop.client.data(MINIMUM, token=admin))["settlementRules"]["edges"]
    assert [e["node"]["minimumPerPeriod"] for e in read if e["node"]["role"] == "HOST"] == [
        {"amount": "1.50", "currency": "CNY"}
    ]
    code = await referral_code(shop, shop.store_b, admin)
    first = await referred_delivery(shop, code)
    await complete(shop, first)

    made = await generate(shop.client, admin, period(-1, 30))
    assert totals(made) == {
        "North": Decimal("5.00"),
        "South": Decimal("6.00"),
        "Mall": Decimal("1.50"),  # 1.00 earned, 0.50 topped up
        "Brand": Decimal("87.50"),  # bears the top-up
    }
    assert sum(totals(made).values()) == Decimal("100.00"), "the order's net, exactly: the top-up is the brand's"
    again, at_once = await asyncio.gather(
        generate(shop.client, admin, period(-1, 30)), generate(shop.client, admin, period(-1, 30))
    )
    assert totals(again) == totals(at_once) == totals(made), "topped up once, also when regenerated at once"
    listed = await shop.client.data(LIST, {"filter": None}, token=admin)
    assert adjustments(listed, "Mall") == [Decimal("0.50")]
    assert adjustments(listed, "Brand") == [Decimal("-0.50")]
    statement = key_of(next(s["id"] for s in made if s["party"]["name"] == "Mall"), "SettlementStatement")
    rows = [row.split(",")[1:7] for row in (await statement_csv(shop.engine, statement)).splitlines()[1:]]
    assert rows == [
        [first["number"], first["lines"][0]["sku"], "Mall", "HOST", "SALE", "1.00"],
        ["", "", "Mall", "HOST", "ADJUSTMENT", "0.50"],
    ], "finance's export: the top-up belongs to no order"

    second = await referred_delivery(shop, code)
    await complete(shop, second)
    rebuilt = totals(await generate(shop.client, admin, period(-1, 30)))
    assert rebuilt["Mall"] == Decimal("2.00"), "earned 2.00: above the minimum, the top-up is taken back"
    assert sum(rebuilt.values()) == Decimal("200.00")
    listed = await shop.client.data(LIST, {"filter": None}, token=admin)
    assert adjustments(listed, "Mall") == [Decimal("0.50"), Decimal("-0.50")], "appended, never rewritten"


async def test_a_confirmed_statement_keeps_its_top_up_and_a_quiet_period_still_pays_the_minimum(shop: Shop) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    party = await mall(shop, admin, minimum="30.00")

    quiet = await generate(shop.client, admin, {**period(-1, 30), "partyId": party})
    assert totals(quiet) == {"Mall": Decimal("30.00")}, "no sale: the guarantee alone"
    confirmed = (await shop.client.data(CONFIRM, {"id": quiet[0]["id"]}, token=admin))["settlementStatementConfirm"]
    assert confirmed["statement"]["status"] == "CONFIRMED"

    order = await referred_delivery(shop, await referral_code(shop, shop.store_b, admin))
    await complete(shop, order)
    after = totals(await generate(shop.client, admin, period(-1, 30)))
    assert after["Mall"] == Decimal("30.00"), "confirmed: frozen, no second top-up"
    # The brand bears the confirmed top-up; the mall's 1.00 of the new sale waits for its next statement.
    assert after["Brand"] == Decimal("100.00") - Decimal("5.00") - Decimal("6.00") - Decimal("1.00") - Decimal("30.00")
    listed = await shop.client.data(LIST, {"filter": None}, token=admin)
    assert adjustments(listed, "Mall") == [Decimal("30.00")]


async def test_a_minimum_is_positive_and_guaranteed_to_a_named_party(shop: Shop) -> None:
    admin = await admin_of(shop)
    unnamed = await run(
        shop, RULE_CREATE, "settlementRuleCreate", admin, input={"role": "SELLER", "rate": "1", "minimumPerPeriod": "5"}
    )
    assert errors(unnamed) == [("REQUIRED", ["input", "partyId"])]
    made = await run(shop, PARTY_CREATE, "partyCreate", admin, input={"name": "Counter", "kind": "CONCESSION"})
    for bad in ("0", "-1", "1.001"):
        refused = await run(
            shop,
            RULE_CREATE,
            "settlementRuleCreate",
            admin,
            input={"role": "SELLER", "rate": "1", "partyId": made["party"]["id"], "minimumPerPeriod": bad},
        )
        assert errors(refused) == [("INVALID", ["input", "minimumPerPeriod"])], bad
