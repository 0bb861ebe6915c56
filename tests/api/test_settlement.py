"""Settlement through the graph (issue #19's "Done when", as far as the ledger): a shopper scans a
franchise store's referral code and buys online; the order ships from another franchisee's store; on
completion the ledger gives the referring franchisee its share, the fulfilling store's party its fee
and the brand the rest, adding up to the order's net exactly; a partial return writes reversing
entries. Parties and rules are for admins and apps with SETTLEMENT_WRITE; the attribution is frozen
on the order at checkout."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from api.settings import Settings
from domain.access.model import StaffRole
from tests.api.test_carts import Shop, address, errors, open_shop
from tests.api.test_checkout import placed
from tests.api.test_order_flow import DELIVER, RETURN, SHIP, pay, run
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import location_gid

pytestmark = pytest.mark.usefixtures("demo")

ERRORS = "userErrors { field code message }"
PARTY_CREATE = f"""mutation($input: PartyCreateInput!) {{
  partyCreate(input: $input) {{ party {{ id name kind }} {ERRORS} }} }}"""
RULE_CREATE = f"""mutation($input: SettlementRuleCreateInput!) {{
  settlementRuleCreate(input: $input) {{ settlementRule {{ id role rate fixedAmount {{ amount currency }}
    party {{ name }} location {{ id }} validFrom validTo }} {ERRORS} }} }}"""
ATTRIBUTE = f"""mutation($id: ID!, $code: String!) {{
  cartAttributionSet(cartId: $id, input: {{referralCode: $code}}) {{ cart {{ id }} {ERRORS} }} }}"""
LOCATION = "query($id: ID!) { node(id: $id) { ... on Location { referralCode party { name kind } } } }"
PARTIES = "{ parties(first: 10) { edges { node { name kind } } } }"
RULES = "{ settlementRules(first: 10) { edges { node { role rate party { name } } } } }"
ORDER = """query($id: ID!) { order(id: $id) {
  attribution { channel { slug } sellingLocation { id } fulfillingLocations { id } referringLocation { id }
                guide { id } }
  settlementEntries { party { name kind } role event amount { amount } status orderLine { sku } } } }"""
ATTRIBUTION = """query($id: ID!) { order(id: $id) { attribution { referringLocation { id } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Buyers pay with the test gateway here."""
    return settings.model_copy(update={"payments_sandbox": True})


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def admin_of(shop: Shop) -> str:
    return await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="finance@example.com")


async def referral_code(shop: Shop, location_id: int, token: str) -> str:
    found = (await shop.client.data(LOCATION, {"id": location_gid(location_id)}, token=token))["node"]
    code: str = found["referralCode"]
    return code


async def franchise(shop: Shop, admin: str) -> tuple[str, str]:
    """Store B is franchisee North's (it refers), store A franchisee South's (it ships); the rules: a
    referrer earns 5 % of the net, a fulfiller 3.00 a unit."""
    ids = []
    for name, store in (("North", shop.store_b), ("South", shop.store_a)):
        made = await run(
            shop,
            PARTY_CREATE,
            "partyCreate",
            admin,
            input={"name": name, "kind": "FRANCHISEE", "locationIds": [location_gid(store)]},
        )
        assert made["userErrors"] == [], made
        ids.append(made["party"]["id"])
    for rule in ({"role": "REFERRER", "rate": "5"}, {"role": "FULFILLER", "fixedAmount": "3.00"}):
        made = await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=rule)
        assert made["userErrors"] == [], made
    return ids[0], ids[1]


async def referred_delivery(shop: Shop, code: str, quantity: int = 2) -> dict[str, Any]:
    """A guest buys `quantity` x 50.00 online with `code`; delivered near store A, which ships it."""
    cart = await shop.cart([(0, quantity)])
    attributed = await run(shop, ATTRIBUTE, "cartAttributionSet", id=cart["id"], code=code.lower())
    assert attributed["userErrors"] == [], attributed
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    await pay(shop, order)
    return order


async def complete(shop: Shop, order: dict[str, Any]) -> None:
    email = f"packer-{order['number']}@example.com"
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, email=email, location_id=shop.store_a)
    assert (await run(shop, SHIP, "orderShip", packer, id=order["id"]))["userErrors"] == []
    assert (await run(shop, DELIVER, "orderDeliver", packer, id=order["id"]))["order"]["status"] == "COMPLETED"


def by_party(entries: list[dict[str, Any]], event: str | None = None) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = {}
    for e in entries:
        if event is None or e["event"] == event:
            key = (e["party"]["name"], e["role"])
            totals[key] = totals.get(key, Decimal(0)) + Decimal(e["amount"]["amount"])
    return totals


async def test_a_referred_order_shipped_by_another_franchisee_splits_to_the_cent(shop: Shop) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    code = await referral_code(shop, shop.store_b, admin)
    order = await referred_delivery(shop, code)
    await complete(shop, order)

    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert read["attribution"] == {
        "channel": {"slug": "online"},
        "sellingLocation": None,
        "fulfillingLocations": [{"id": location_gid(shop.store_a)}],
        "referringLocation": {"id": location_gid(shop.store_b)},
        "guide": None,
    }
    sale = by_party(read["settlementEntries"], "SALE")
    assert sale == {
        ("North", "REFERRER"): Decimal("5.00"),  # 5 % of 100.00
        ("South", "FULFILLER"): Decimal("6.00"),  # 2 units x 3.00
        ("Brand", "BRAND"): Decimal("89.00"),
    }
    assert sum(sale.values()) == Decimal(order["subtotal"]["amount"]), "shipping apart, the net exactly"
    assert {e["status"] for e in read["settlementEntries"]} == {"PENDING"}, "within the return window"

    manager = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, email="cs@example.com", location_id=shop.store_a
    )
    line = order["lines"][0]["id"]
    back = await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": line, "quantity": 1}]}
    )
    assert back["userErrors"] == []
    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert by_party(read["settlementEntries"], "RETURN") == {
        ("North", "REFERRER"): Decimal("-2.50"),
        ("South", "FULFILLER"): Decimal("-3.00"),
        ("Brand", "BRAND"): Decimal("-44.50"),
    }
    await run(
        shop, RETURN, "orderReturn", manager, id=order["id"], input={"lines": [{"orderLineId": line, "quantity": 1}]}
    )
    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert set(by_party(read["settlementEntries"]).values()) == {Decimal(0)}, "a full return nets everyone to zero"


async def test_the_attribution_is_frozen_at_checkout(shop: Shop) -> None:
    admin = await admin_of(shop)
    cart = await shop.cart([(0, 1)])
    first, second = await referral_code(shop, shop.store_a, admin), await referral_code(shop, shop.store_b, admin)
    assert first != second
    assert (await run(shop, ATTRIBUTE, "cartAttributionSet", id=cart["id"], code=first))["userErrors"] == []
    assert (await run(shop, ATTRIBUTE, "cartAttributionSet", id=cart["id"], code=second))["userErrors"] == []
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    order = await placed(shop, cart["id"])
    after = await run(shop, ATTRIBUTE, "cartAttributionSet", id=cart["id"], code=first)
    assert after["userErrors"] and after["cart"] is None, "a checked-out cart's attribution never changes"
    read = (await shop.client.data(ATTRIBUTION, {"id": order["id"]}, token=admin))["order"]
    assert read["attribution"]["referringLocation"] == {"id": location_gid(shop.store_b)}, "the last code before"


async def test_an_unknown_referral_code_is_a_coded_error(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    wrong = await run(shop, ATTRIBUTE, "cartAttributionSet", id=cart["id"], code="NOSUCHCODE")
    assert errors(wrong) == [("REFERRAL_CODE_INVALID", ["input", "referralCode"])]


async def test_a_staff_guides_code_credits_the_guides_store(shop: Shop) -> None:
    admin = await admin_of(shop)
    north, _ = await franchise(shop, admin)
    rule = {"role": "GUIDE", "rate": "2.5", "partyId": north}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=rule))["userErrors"] == []
    guide = await shop.client.staff_token(
        shop.engine, StaffRole.CASHIER, email="guide@example.com", location_id=shop.store_b
    )
    code = (await shop.client.data("{ staffMe { referralCode } }", token=guide))["staffMe"]["referralCode"]
    order = await referred_delivery(shop, code, quantity=1)
    await complete(shop, order)
    read = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert read["attribution"]["referringLocation"] is None and read["attribution"]["guide"] is not None
    assert by_party(read["settlementEntries"]) == {
        ("North", "GUIDE"): Decimal("1.25"),  # 2.5 % of 50.00
        ("South", "FULFILLER"): Decimal("3.00"),
        ("Brand", "BRAND"): Decimal("45.75"),
    }


async def test_rules_are_validated_and_never_overlap(shop: Shop) -> None:
    admin = await admin_of(shop)
    bad = await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input={"role": "SELLER", "rate": "101"})
    assert errors(bad) == [("INVALID", ["input", "rate"])]
    both = await run(
        shop, RULE_CREATE, "settlementRuleCreate", admin, input={"role": "SELLER", "rate": "5", "fixedAmount": "1"}
    )
    assert errors(both) == [("INVALID", ["input", "rate"])]
    host = await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input={"role": "HOST", "rate": "5"})
    assert errors(host) == [("REQUIRED", ["input", "partyId"])]
    june = {"role": "SELLER", "rate": "5", "validFrom": "2026-06-01T00:00:00Z", "validTo": "2026-07-01T00:00:00Z"}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=june))["userErrors"] == []
    mid_june = {**june, "validFrom": "2026-06-15T00:00:00Z", "validTo": None, "rate": "6"}
    clash = await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=mid_june)
    assert errors(clash) == [("RULE_OVERLAP", ["input", "validFrom"])]
    july = {**june, "validFrom": "2026-07-01T00:00:00Z", "validTo": None}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=july))["userErrors"] == []
    scoped = {**mid_june, "locationId": location_gid(shop.store_a)}
    assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=scoped))["userErrors"] == []
    listed = (await shop.client.data(RULES, token=admin))["settlementRules"]["edges"]
    assert [e["node"]["rate"] for e in listed] == ["5", "5", "6"]


async def test_parties_and_rules_are_for_admins_and_settlement_apps(shop: Shop) -> None:
    admin = await admin_of(shop)
    app = await shop.client.data(
        'mutation { appCreate(input: {name: "Finance", scopes: [SETTLEMENT_WRITE]}) { token } }', token=admin
    )
    app_token = app["appCreate"]["token"]
    made = await run(
        shop, PARTY_CREATE, "partyCreate", app_token, input={"name": "Mall", "kind": "CONCESSION", "locationIds": []}
    )
    assert made["userErrors"] == [] and made["party"]["kind"] == "CONCESSION"
    read = await shop.client.data(LOCATION, {"id": location_gid(shop.store_a)}, token=admin)
    assert read["node"]["party"] is None, "a location of no party is the brand's"
    names = [e["node"]["name"] for e in (await shop.client.data(PARTIES, token=app_token))["parties"]["edges"]]
    assert names[-1] == "Mall" and set(names[:-1]) <= {"Brand"}, "the brand (once a sale needed it), then Mall"
    manager = await shop.client.staff_token(shop.engine, StaffRole.STORE_MANAGER, location_id=shop.store_a)
    for token, code in ((None, "UNAUTHENTICATED"), (manager, "FORBIDDEN")):
        refused = await shop.client.post(PARTIES, token=token)
        assert refused["errors"][0]["extensions"]["code"] == code
    brand = await run(shop, PARTY_CREATE, "partyCreate", admin, input={"name": "Another", "kind": "BRAND"})
    assert errors(brand) == [("INVALID", ["input", "kind"])]


async def test_completing_an_order_writes_its_ledger_in_a_few_statements(
    shop: Shop, statements: StatementCounter
) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    order = await referred_delivery(shop, await referral_code(shop, shop.store_b, admin), quantity=1)
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.store_a)
    await run(shop, SHIP, "orderShip", packer, id=order["id"])
    statements.reset()
    await run(shop, DELIVER, "orderDeliver", packer, id=order["id"])
    ledger = [s for s in statements.statements if "settlement_entries" in s or "settlement_rules" in s]
    assert len(ledger) == 2, ledger  # the rules read once, the entries written in one statement


async def test_two_overlapping_rules_created_at_once_are_one_rule_and_one_refusal(shop: Shop) -> None:
    admin = await admin_of(shop)
    rule = {"role": "REFERRER", "rate": "5", "locationId": location_gid(shop.store_b)}
    made = await asyncio.gather(*(run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=rule) for _ in range(2)))
    assert sorted(len(m["userErrors"]) for m in made) == [0, 1]
    assert [e["code"] for m in made for e in m["userErrors"]] == ["RULE_OVERLAP"]


async def test_a_supplier_is_owed_its_cost_when_its_warehouse_ships_and_the_brand_the_rest_on_completion(
    shop: Shop,
) -> None:
    admin = await admin_of(shop)
    factory = {"name": "Factory", "kind": "SUPPLIER", "locationIds": [location_gid(shop.warehouse)]}
    assert (await run(shop, PARTY_CREATE, "partyCreate", admin, input=factory))["userErrors"] == []
    for rule in ({"role": "SUPPLIER", "fixedAmount": "20.00"}, {"role": "FULFILLER", "fixedAmount": "3.00"}):
        assert (await run(shop, RULE_CREATE, "settlementRuleCreate", admin, input=rule))["userErrors"] == []
    cart = await shop.cart([(0, 2)])
    near_the_warehouse = address(latitude=31.0, longitude=121.0)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": near_the_warehouse})
    order = await placed(shop, cart["id"])
    await pay(shop, order)
    packer = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT, location_id=shop.warehouse)

    assert (await run(shop, SHIP, "orderShip", packer, id=order["id"]))["userErrors"] == []
    shipped = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert shipped["attribution"]["fulfillingLocations"] == [{"id": location_gid(shop.warehouse)}]
    assert by_party(shipped["settlementEntries"]) == {("Factory", "SUPPLIER"): Decimal("40.00")}, "settled by node"

    await run(shop, DELIVER, "orderDeliver", packer, id=order["id"])
    done = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert by_party(done["settlementEntries"]) == {
        ("Factory", "SUPPLIER"): Decimal("40.00"),  # no fulfiller's fee besides
        ("Brand", "BRAND"): Decimal("60.00"),
    }
    line = order["lines"][0]["id"]
    back = {"lines": [{"orderLineId": line, "quantity": 2}]}
    assert (await run(shop, RETURN, "orderReturn", admin, id=order["id"], input=back))["userErrors"] == []
    returned = (await shop.client.data(ORDER, {"id": order["id"]}, token=admin))["order"]
    assert set(by_party(returned["settlementEntries"]).values()) == {Decimal(0)}


ORDERS = """{ orders(first: 10) { edges { node { attribution { referringLocation { party { name } }
  fulfillingLocations { code } } settlementEntries { party { name } orderLine { sku } } } } } }"""


async def test_reading_the_ledger_of_many_orders_costs_the_same_statements_as_of_one(
    shop: Shop, statements: StatementCounter
) -> None:
    admin = await admin_of(shop)
    await franchise(shop, admin)
    code = await referral_code(shop, shop.store_b, admin)
    counts = []
    for _ in range(3):
        await complete(shop, await referred_delivery(shop, code, quantity=1))
        statements.reset()
        listed = (await shop.client.data(ORDERS, token=admin))["orders"]["edges"]
        counts.append(statements.count)
        assert all(len(e["node"]["settlementEntries"]) == 3 for e in listed)
    assert counts[0] == counts[1] == counts[2], counts
