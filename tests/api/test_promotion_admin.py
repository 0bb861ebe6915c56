"""Promotion administration through the graph: admins create, change, reschedule, switch off and list
promotions of every kind; a store manager manages only their own store's; everyone else is refused.
Bad input comes back as userErrors naming each bad field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Category, CouponTemplate, Product, ProductVariant, Promotion
from domain.access.model import StaffRole
from schema.relay import to_global_id
from tests.api.test_accounts import member_signed_in
from tests.helpers import GraphQLClient, StatementCounter
from tests.inventory_fixtures import add_location


@pytest.fixture
async def client(demo: AsyncEngine, client: GraphQLClient) -> GraphQLClient:
    """The demo catalogue and channels, without the demo's own promotions and campaigns."""
    async with demo.begin() as conn:
        await conn.execute(sa.delete(Promotion))
        await conn.execute(sa.delete(CouponTemplate))
    return client


FIELDS = """id name priority stackable isActive startsAt endsAt currency status createdAt updatedAt
  location { id code }
  conditions { channels { slug } memberTagsAny minSubtotal { amount currency } productIds categoryIds variantIds
               firstOrderOnly }
  action { type percent amount { amount currency } unitPrice { amount currency } perMemberLimit buy get factor }"""
CREATE = f"""mutation($input: PromotionCreateInput!) {{
  promotionCreate(input: $input) {{ promotion {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: PromotionUpdateInput!) {{
  promotionUpdate(id: $id, input: $input) {{ promotion {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
DEACTIVATE = """mutation($id: ID!) {
  promotionDeactivate(id: $id) { promotion { id isActive status } userErrors { field message code } } }"""
LIST = """query($first: Int, $after: String, $filter: PromotionFilter) {
  promotions(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id name isActive status location { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } }"""
ONE = "query($id: ID!) { promotion(id: $id) { id name } node(id: $id) { id ... on Promotion { name } } }"

# One example of every kind of action: what a closing note can quote.
EXAMPLES: dict[str, dict[str, Any]] = {
    "PERCENT_OFF": {"name": "Spring sale", "action": {"type": "PERCENT_OFF", "percent": "15"}},
    "AMOUNT_OFF": {
        "name": "30 off 200",
        "currency": "CNY",
        "conditions": {"minSubtotal": "200"},
        "action": {"type": "AMOUNT_OFF", "amount": "30"},
    },
    "FIXED_PRICE": {
        "name": "Flash sale",
        "currency": "CNY",
        "stackable": False,
        "action": {"type": "FIXED_PRICE", "unitPrice": "9.90", "perMemberLimit": 2},
    },
    "BUY_X_GET_Y": {"name": "Buy 2 get 1 free", "action": {"type": "BUY_X_GET_Y", "buy": 2, "get": 1}},
    "FREE_SHIPPING": {
        "name": "Free shipping for VIPs",
        "conditions": {"memberTagsAny": ["vip"]},
        "action": {"type": "FREE_SHIPPING"},
    },
    "POINTS_MULTIPLIER": {
        "name": "Double points",
        "conditions": {"channels": ["online"]},
        "action": {"type": "POINTS_MULTIPLIER", "factor": "2"},
    },
}


async def token(
    client: GraphQLClient,
    engine: AsyncEngine,
    role: StaffRole = StaffRole.ADMIN,
    location_id: int | None = None,
    email: str | None = None,
) -> str:
    return await client.staff_token(engine, role, email, location_id)


async def create(client: GraphQLClient, bearer: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(CREATE, {"input": fields}, token=bearer))["promotionCreate"]
    return payload


async def update(client: GraphQLClient, bearer: str, gid: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(UPDATE, {"id": gid, "input": fields}, token=bearer))["promotionUpdate"]
    return payload


def errors_of(payload: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["code"], ".".join(e["field"])) for e in payload["userErrors"]}


def top_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def count_promotions(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(Promotion)) or 0)


async def catalogue_ids(engine: AsyncEngine) -> tuple[int, int, int]:
    """A product, a category and a variant of the demo catalogue."""
    async with engine.connect() as conn:
        product = await conn.scalar(sa.select(sa.func.min(Product.id)))
        category = await conn.scalar(sa.select(sa.func.min(Category.id)))
        variant = await conn.scalar(sa.select(sa.func.min(ProductVariant.id)))
    return int(product), int(category), int(variant)


# --- create, read ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EXAMPLES))
async def test_an_admin_creates_a_promotion_of_every_kind(
    client: GraphQLClient, engine: AsyncEngine, kind: str
) -> None:
    payload = await create(client, await token(client, engine), **EXAMPLES[kind])
    assert payload["userErrors"] == []
    promotion = payload["promotion"]
    assert promotion["action"]["type"] == kind
    assert (promotion["isActive"], promotion["status"], promotion["location"]) == (True, "RUNNING", None)
    read = await client.data(ONE, {"id": promotion["id"]}, token=await token(client, engine, email="b@example.com"))
    assert read["promotion"]["name"] == read["node"]["name"] == EXAMPLES[kind]["name"]


async def test_a_promotion_reads_back_as_entered(client: GraphQLClient, engine: AsyncEngine) -> None:
    product, category, variant = await catalogue_ids(engine)
    conditions = {
        "channels": ["pos", "online"],
        "memberTagsAny": [" VIP ", "new"],
        "minSubtotal": "99.5",
        "productIds": [to_global_id("Product", product)],
        "categoryIds": [to_global_id("Category", category)],
        "variantIds": [to_global_id("ProductVariant", variant)],
        "firstOrderOnly": True,
    }
    payload = await create(
        client,
        await token(client, engine),
        name="  Welcome week ",
        priority=5,
        currency="cny",
        startsAt="2030-01-01T00:00:00+08:00",
        endsAt="2030-01-08T00:00:00+08:00",
        conditions=conditions,
        action={"type": "FIXED_PRICE", "unitPrice": "19"},
    )
    assert payload["userErrors"] == []
    p = payload["promotion"]
    assert (p["name"], p["priority"], p["stackable"], p["currency"], p["status"]) == (
        "Welcome week",
        5,
        True,
        "CNY",
        "SCHEDULED",
    )
    assert (p["startsAt"], p["endsAt"]) == ("2029-12-31T16:00:00+00:00", "2030-01-07T16:00:00+00:00")
    c = p["conditions"]
    assert sorted(ch["slug"] for ch in c["channels"]) == ["online", "pos"]
    assert c["memberTagsAny"] == ["new", "vip"]
    assert c["minSubtotal"] == {"amount": "99.50", "currency": "CNY"}
    assert (c["productIds"], c["categoryIds"], c["variantIds"], c["firstOrderOnly"]) == (
        conditions["productIds"],
        conditions["categoryIds"],
        conditions["variantIds"],
        True,
    )
    assert p["action"] == {
        "type": "FIXED_PRICE",
        "percent": None,
        "amount": None,
        "unitPrice": {"amount": "19.00", "currency": "CNY"},
        "perMemberLimit": None,
        "buy": None,
        "get": None,
        "factor": None,
    }


async def test_an_action_takes_exactly_the_fields_of_its_type(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    payload = await create(client, admin, name="Bad", action={"type": "BUY_X_GET_Y", "get": 1, "factor": "2"})
    assert errors_of(payload) == {("REQUIRED", "input.action.buy"), ("INVALID", "input.action.factor")}
    assert errors_of(await create(client, admin, name="Bad", action={"type": "FREE_SHIPPING", "percent": "5"})) == {
        ("INVALID", "input.action.percent")
    }
    payload = await create(
        client, admin, name="B2G1 half", action={"type": "BUY_X_GET_Y", "buy": 2, "get": 1, "percent": "50"}
    )
    assert payload["promotion"]["action"]["percent"] == "50"
    assert await count_promotions(engine) == 1


async def test_every_bad_field_is_reported_at_once_and_nothing_is_written(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    payload = await create(
        client,
        await token(client, engine),
        name=" ",
        priority=-1,
        currency="XXX",
        startsAt="2030-01-02T00:00:00Z",
        endsAt="2030-01-01T00:00:00Z",
        conditions={
            "channels": ["online", "nowhere"],
            "memberTagsAny": ["bad tag!"],
            "productIds": ["nonsense", to_global_id("Product", 999_999)],
            "categoryIds": [],
            "variantIds": [to_global_id("Category", 1)],
        },
        action={"type": "PERCENT_OFF", "percent": "120"},
    )
    assert payload["promotion"] is None
    assert errors_of(payload) == {
        ("REQUIRED", "input.name"),
        ("INVALID", "input.priority"),
        ("CURRENCY_INVALID", "input.currency"),
        ("INVALID", "input.endsAt"),
        ("NOT_FOUND", "input.conditions.channels.1"),
        ("INVALID", "input.conditions.memberTagsAny.0"),
        ("NOT_FOUND", "input.conditions.productIds.0"),
        ("NOT_FOUND", "input.conditions.productIds.1"),
        ("INVALID", "input.conditions.categoryIds"),
        ("NOT_FOUND", "input.conditions.variantIds.0"),
        ("INVALID", "input.action.percent"),
    }
    assert await count_promotions(engine) == 0


async def test_amounts_need_a_currency_and_times_a_time_zone(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    payload = await create(
        client, admin, name="No currency", startsAt="2030-01-01T00:00:00", action={"type": "AMOUNT_OFF", "amount": "10"}
    )
    assert errors_of(payload) == {("REQUIRED", "input.currency"), ("INVALID", "input.startsAt")}
    payload = await create(
        client, admin, name="Too fine", currency="JPY", action={"type": "AMOUNT_OFF", "amount": "10.5"}
    )
    assert errors_of(payload) == {("INVALID", "input.action.amount")}
    assert await count_promotions(engine) == 0


# --- update, schedule, deactivate -----------------------------------------------------------------


async def test_an_update_changes_only_what_it_names(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    created = (await create(client, admin, **EXAMPLES["AMOUNT_OFF"]))["promotion"]
    payload = await update(
        client, admin, created["id"], name="40 off 200", action={"type": "AMOUNT_OFF", "amount": "40"}
    )
    assert payload["userErrors"] == []
    p = payload["promotion"]
    assert (p["name"], p["action"]["amount"], p["conditions"]["minSubtotal"], p["currency"]) == (
        "40 off 200",
        {"amount": "40.00", "currency": "CNY"},
        {"amount": "200.00", "currency": "CNY"},
        "CNY",
    )
    # Cross-field rules hold after the change: an amount-off promotion keeps a currency.
    assert errors_of(await update(client, admin, created["id"], currency=None)) == {("REQUIRED", "input.currency")}
    payload = await update(
        client, admin, created["id"], conditions=None, currency=None, action={"type": "PERCENT_OFF", "percent": "5"}
    )
    assert payload["userErrors"] == []
    assert payload["promotion"]["conditions"]["minSubtotal"] is None and payload["promotion"]["currency"] is None


async def test_a_promotion_is_scheduled_rescheduled_and_switched_off_and_on(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    gid = (await create(client, admin, **EXAMPLES["PERCENT_OFF"]))["promotion"]["id"]
    payload = await update(client, admin, gid, startsAt="2099-01-01T00:00:00Z", endsAt="2099-02-01T00:00:00Z")
    assert (payload["promotion"]["status"], payload["promotion"]["startsAt"]) == (
        "SCHEDULED",
        "2099-01-01T00:00:00+00:00",
    )
    assert errors_of(await update(client, admin, gid, endsAt="2098-01-01T00:00:00Z")) == {("INVALID", "input.endsAt")}
    payload = await update(client, admin, gid, startsAt="2020-01-01T00:00:00Z", endsAt="2021-01-01T00:00:00Z")
    assert payload["promotion"]["status"] == "ENDED"
    payload = await update(client, admin, gid, endsAt=None)
    assert (payload["promotion"]["status"], payload["promotion"]["endsAt"]) == ("RUNNING", None)
    off = (await client.data(DEACTIVATE, {"id": gid}, token=admin))["promotionDeactivate"]
    assert off == {"promotion": {"id": gid, "isActive": False, "status": "INACTIVE"}, "userErrors": []}
    payload = await update(client, admin, gid, isActive=True)
    assert (payload["promotion"]["isActive"], payload["promotion"]["status"]) == (True, "RUNNING")


async def test_unknown_promotions_are_not_found(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    for gid in (to_global_id("Promotion", 999), "garbage", to_global_id("Location", 1)):
        assert errors_of(await update(client, admin, gid, name="x")) == {("NOT_FOUND", "id")}
        off = (await client.data(DEACTIVATE, {"id": gid}, token=admin))["promotionDeactivate"]
        assert errors_of(off) == {("NOT_FOUND", "id")}
        assert (await client.data(ONE, {"id": gid}, token=admin))["promotion"] is None


# --- who may --------------------------------------------------------------------------------------


async def test_members_anonymous_callers_and_cashiers_are_refused(client: GraphQLClient, engine: AsyncEngine) -> None:
    gid = (await create(client, await token(client, engine), **EXAMPLES["PERCENT_OFF"]))["promotion"]["id"]
    member = (await member_signed_in(client, "ann@example.com")).access_token
    cashier = await token(client, engine, StaffRole.CASHIER, await add_location(engine))
    for bearer, code in ((None, "UNAUTHENTICATED"), (member, "FORBIDDEN"), (cashier, "FORBIDDEN")):
        assert top_code(await client.post(CREATE, {"input": EXAMPLES["PERCENT_OFF"]}, token=bearer)) == code
        assert top_code(await client.post(UPDATE, {"id": gid, "input": {"name": "x"}}, token=bearer)) == code
        assert top_code(await client.post(DEACTIVATE, {"id": gid}, token=bearer)) == code
        assert top_code(await client.post(LIST, {}, token=bearer)) == code
        body = await client.post("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=bearer)
        assert body["data"]["node"] is None
    assert await count_promotions(engine) == 1


async def test_a_store_manager_manages_only_their_own_stores_promotions(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    mine, theirs = await add_location(engine), await add_location(engine)
    manager = await token(client, engine, StaffRole.STORE_MANAGER, mine)
    chain = (await create(client, admin, **EXAMPLES["PERCENT_OFF"]))["promotion"]["id"]
    other = await create(client, admin, locationId=to_global_id("Location", theirs), **EXAMPLES["BUY_X_GET_Y"])
    other_id = other["promotion"]["id"]
    assert other["promotion"]["location"]["id"] == to_global_id("Location", theirs)

    own = await create(client, manager, **EXAMPLES["FREE_SHIPPING"])  # forced onto their store
    assert own["userErrors"] == [] and own["promotion"]["location"]["id"] == to_global_id("Location", mine)
    own_id = own["promotion"]["id"]
    assert (await update(client, manager, own_id, name="Ours"))["promotion"]["name"] == "Ours"
    refused: list[tuple[str, dict[str, Any]]] = [
        (CREATE, {"input": {**EXAMPLES["PERCENT_OFF"], "locationId": to_global_id("Location", theirs)}}),
        (UPDATE, {"id": own_id, "input": {"locationId": None}}),
        (UPDATE, {"id": own_id, "input": {"locationId": to_global_id("Location", theirs)}}),
        (UPDATE, {"id": chain, "input": {"name": "Mine now"}}),
        (DEACTIVATE, {"id": chain}),
    ]
    for query, variables in refused:
        assert top_code(await client.post(query, variables, token=manager)) == "FORBIDDEN", variables
    # Null on create is "not given": still their store.
    forced = await create(client, manager, **{**EXAMPLES["POINTS_MULTIPLIER"], "locationId": None})
    assert forced["promotion"]["location"]["id"] == to_global_id("Location", mine)
    # Another store's promotions are invisible to them.
    assert errors_of(await update(client, manager, other_id, name="x")) == {("NOT_FOUND", "id")}
    assert (await client.data(ONE, {"id": other_id}, token=manager))["promotion"] is None
    listed = (await client.data(LIST, {}, token=manager))["promotions"]
    assert [e["node"]["id"] for e in listed["edges"]] == [forced["promotion"]["id"], own_id, chain]
    assert listed["totalCount"] == 3
    # An admin manages them all, and may move a store's promotion to the whole chain.
    moved = await update(client, admin, own_id, locationId=None)
    assert moved["userErrors"] == [] and moved["promotion"]["location"] is None
    assert len((await client.data(LIST, {}, token=admin))["promotions"]["edges"]) == 4
    homeless = await token(client, engine, StaffRole.STORE_MANAGER, email="nostore@example.com")
    assert top_code(await client.post(LIST, {}, token=homeless)) == "FORBIDDEN"


async def test_a_promotion_belongs_to_a_store_not_a_warehouse(client: GraphQLClient, engine: AsyncEngine) -> None:
    from domain.inventory.model import LocationType

    admin = await token(client, engine)
    warehouse = await add_location(engine, type=LocationType.WAREHOUSE)
    for gid, code in (
        (to_global_id("Location", warehouse), "INVALID"),
        (to_global_id("Location", 99_999), "NOT_FOUND"),
        ("bad", "NOT_FOUND"),
    ):
        payload = await create(client, admin, locationId=gid, **EXAMPLES["PERCENT_OFF"])
        assert errors_of(payload) == {(code, "input.locationId")}
    assert await count_promotions(engine) == 0


# --- lists ----------------------------------------------------------------------------------------


async def test_promotions_are_listed_newest_first_in_pages_and_filtered(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    store = await add_location(engine)
    ids = []
    for i, kind in enumerate(EXAMPLES):
        extra: dict[str, Any] = {"locationId": to_global_id("Location", store)} if i == 0 else {}
        if i == 1:
            extra["startsAt"] = "2099-01-01T00:00:00Z"
        ids.append((await create(client, admin, **EXAMPLES[kind], **extra))["promotion"]["id"])
    await client.data(DEACTIVATE, {"id": ids[2]}, token=admin)

    seen, after = [], None
    while True:
        page = (await client.data(LIST, {"first": 4, "after": after}, token=admin))["promotions"]
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["totalCount"] == 6
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids[::-1]

    async def listed(**filter: Any) -> list[str]:
        data = await client.data(LIST, {"filter": filter}, token=admin)
        return [e["node"]["id"] for e in data["promotions"]["edges"]]

    assert await listed(isActive=False) == [ids[2]]
    assert await listed(status="SCHEDULED") == [ids[1]]
    assert await listed(status="INACTIVE") == [ids[2]]
    assert await listed(status="RUNNING") == [ids[5], ids[4], ids[3], ids[0]]
    assert await listed(runningAt="2099-06-01T00:00:00Z") == [ids[5], ids[4], ids[3], ids[1], ids[0]]
    assert await listed(locationId=to_global_id("Location", store)) == [ids[0]]
    assert top_code(await client.post(LIST, {"filter": {"locationId": "bad"}}, token=admin)) == "BAD_USER_INPUT"
    assert top_code(await client.post(LIST, {"first": 101}, token=admin)) == "BAD_USER_INPUT"
    assert top_code(await client.post(LIST, {"after": "bad"}, token=admin)) == "BAD_USER_INPUT"


async def test_a_page_of_promotions_costs_the_same_few_statements_however_long(
    client: GraphQLClient, engine: AsyncEngine, statements: StatementCounter
) -> None:
    admin = await token(client, engine)
    store = to_global_id("Location", await add_location(engine))
    query = LIST.replace("location { id }", "location { id code } conditions { channels { slug } }")
    counts = []
    for n in (2, 8):
        while len((await client.data(LIST, {"first": 100}, token=admin))["promotions"]["edges"]) < n:
            await create(client, admin, locationId=store, **EXAMPLES["POINTS_MULTIPLIER"])
        statements.reset()
        page = (await client.data(query, {"first": 100}, token=admin))["promotions"]
        assert len(page["edges"]) == n and page["totalCount"] == n
        counts.append(statements.count)
    assert counts[0] == counts[1] <= 6, counts
