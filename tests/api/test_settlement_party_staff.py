"""A franchisee's own staff see their party's figures only, on every path to them: `parties`,
`settlementStatements` (and their entries), `Order.settlementEntries`, and `node(id:)` for a Party,
a SettlementStatement and a SettlementEntry. Store B is franchisee North's (it referred the order),
store A South's (it shipped it); the brand keeps the rest. Admins read every party's; a cashier, the
manager of one of the brand's own stores and anonymous callers read none; the rules and the
statement mutations stay with those who manage settlement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from api.settings import Settings
from domain.access.model import StaffRole
from tests.api.test_carts import Shop, open_shop
from tests.api.test_settlement import (
    ORDER,
    PARTIES,
    RULES,
    admin_of,
    complete,
    franchise,
    referral_code,
    referred_delivery,
)
from tests.api.test_settlement_statements import GENERATE, generate, period
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

STATEMENTS = """query($filter: SettlementStatementFilter) { settlementStatements(first: 10, filter: $filter) {
  totalCount edges { node { id party { id name } total { amount }
    entries(first: 10) { totalCount edges { node { id party { name } role amount { amount } } } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id
  ... on Party { name } ... on SettlementStatement { party { name } } ... on SettlementEntry { role } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No return window: an order's entries are settleable once it completes."""
    return settings.model_copy(update={"payments_sandbox": True, "settlement_return_window_days": 0})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


def code_of(response: dict[str, Any]) -> str:
    code: str = response["errors"][0]["extensions"]["code"]
    return code


async def test_a_franchisees_manager_reads_their_partys_figures_and_no_other_partys(shop: Shop) -> None:
    admin = await admin_of(shop)
    north_id, south_id = await franchise(shop, admin)
    order = await referred_delivery(shop, await referral_code(shop, shop.store_b, admin))
    await complete(shop, order)
    made = {s["party"]["name"]: s["id"] for s in await generate(shop.client, admin, period(-1, 30))}
    assert set(made) == {"North", "South", "Brand"}
    north = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_b)
    south = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a, email="south@example.com"
    )

    parties = (await shop.client.data(PARTIES, token=north))["parties"]["edges"]
    assert [p["node"]["name"] for p in parties] == ["North"]
    everyone = (await shop.client.data(PARTIES, token=admin))["parties"]["edges"]
    assert {p["node"]["name"] for p in everyone} == {"Brand", "North", "South"}, "admins read every party"

    listed = (await shop.client.data(STATEMENTS, {"filter": None}, token=north))["settlementStatements"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["party"]["name"] == "North"
    entries = listed["edges"][0]["node"]["entries"]["edges"]
    assert [(e["node"]["party"]["name"], e["node"]["role"], e["node"]["amount"]["amount"]) for e in entries] == [
        ("North", "REFERRER", "5.00")
    ]
    own = (await shop.client.data(STATEMENTS, {"filter": {"partyId": north_id}}, token=north))["settlementStatements"]
    assert own["totalCount"] == 1
    other = await shop.client.post(STATEMENTS, {"filter": {"partyId": south_id}}, token=north)
    assert code_of(other) == "FORBIDDEN", "another party's is refused, not answered empty"
    assert (await shop.client.data(STATEMENTS, {"filter": None}, token=admin))["settlementStatements"][
        "totalCount"
    ] == 3

    # The order shipped from store A: South's manager reads it, and only South's entries of it.
    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=south))["order"]
    assert [(e["party"]["name"], e["role"], Decimal(e["amount"]["amount"])) for e in read["settlementEntries"]] == [
        ("South", "FULFILLER", Decimal("6.00"))
    ]
    whole = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]["settlementEntries"]
    assert {e["party"]["name"] for e in whole} == {"North", "South", "Brand"}

    async def node(gid: str, token: str) -> Any:
        return (await shop.client.data(NODE, {"id": gid}, token=token))["node"]

    assert (await node(north_id, north))["name"] == "North"
    assert await node(south_id, north) is None, "another party, as if it did not exist"
    assert (await node(made["North"], north))["party"]["name"] == "North"
    assert await node(made["South"], north) is None
    assert await node(made["Brand"], north) is None
    assert (await node(made["South"], admin))["party"]["name"] == "South"
    entry = entries[0]["node"]["id"]
    assert await node(entry, north) is None and await node(entry, admin) is None, "entries: through their parents"

    assert code_of(await shop.client.post(RULES, token=north)) == "FORBIDDEN", "the terms stay with the brand"
    generated = await shop.client.post(GENERATE, {"input": period(-1, 30)}, token=north)
    assert code_of(generated) == "FORBIDDEN", "statements are made by those who manage settlement"


async def test_staff_of_no_party_cashiers_and_strangers_read_no_figures(shop: Shop) -> None:
    admin = await admin_of(shop)
    north_id, _ = await franchise(shop, admin)
    readers = {
        "brand store manager": await shop.client.staff_token(
            shop.engine, StaffRole.STORE_MANAGER, location_id=shop.warehouse, email="brand@example.com"
        ),
        "franchise cashier": await shop.client.staff_token(
            shop.engine, StaffRole.CASHIER, location_id=shop.store_b, email="till@example.com"
        ),
        "manager of no store": await shop.client.staff_token(
            shop.engine, StaffRole.STORE_MANAGER, email="roaming@example.com"
        ),
    }
    for who, token in readers.items():
        for query, variables in ((PARTIES, None), (STATEMENTS, {"filter": None}), (NODE, {"id": north_id})):
            assert code_of(await shop.client.post(query, variables, token=token)) == "FORBIDDEN", (who, query)
    for query, variables in ((PARTIES, None), (STATEMENTS, {"filter": None}), (NODE, {"id": north_id})):
        assert code_of(await shop.client.post(query, variables)) == "UNAUTHENTICATED"
