"""Coupon templates (campaigns) through the graph: admins create and change them, staff who manage
promotions read them; the campaign code, validity, quantity and limits are checked, each bad field
reported, nothing written on failure."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import CouponTemplate, Promotion
from domain.access.model import StaffRole
from schema.relay import to_global_id
from tests.api.test_accounts import member_signed_in
from tests.api.test_promotion_admin import errors_of, token, top_code
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import add_location


@pytest.fixture
async def client(demo: AsyncEngine, client: GraphQLClient) -> GraphQLClient:
    """The demo catalogue and channels, without the demo's own promotions and campaigns."""
    async with demo.begin() as conn:
        await conn.execute(sa.delete(Promotion))
        await conn.execute(sa.delete(CouponTemplate))
    return client


FIELDS = """id name campaignCode validFrom validUntil validDays totalQuantity issuedCount remaining perMemberLimit
  redeemableAt isActive currency priority stackable createdAt updatedAt
  conditions { channels { slug } minSubtotal { amount currency } }
  action { type percent amount { amount currency } }"""
CREATE = f"""mutation($input: CouponTemplateCreateInput!) {{
  couponTemplateCreate(input: $input) {{ couponTemplate {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: CouponTemplateUpdateInput!) {{
  couponTemplateUpdate(id: $id, input: $input) {{
    couponTemplate {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
LIST = """query($first: Int, $after: String, $filter: CouponTemplateFilter) {
  couponTemplates(first: $first, after: $after, filter: $filter) {
    edges { node { id name isActive } } pageInfo { hasNextPage endCursor } totalCount } }"""
ONE = "query($id: ID!) { couponTemplate(id: $id) { id name } node(id: $id) { id ... on CouponTemplate { name } } }"

WELCOME: dict[str, Any] = {
    "name": "Welcome gift",
    "campaignCode": " spring-25 ",
    "validDays": 30,
    "totalQuantity": 100,
    "redeemableAt": "IN_STORE",
    "action": {"type": "PERCENT_OFF", "percent": "10"},
}


async def create(client: GraphQLClient, bearer: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(CREATE, {"input": fields}, token=bearer))["couponTemplateCreate"]
    return payload


async def update(client: GraphQLClient, bearer: str, gid: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(UPDATE, {"id": gid, "input": fields}, token=bearer))[
        "couponTemplateUpdate"
    ]
    return payload


async def count_templates(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(CouponTemplate)) or 0)


async def test_an_admin_creates_a_campaign(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    payload = await create(client, admin, **WELCOME, conditions={"channels": ["online"]})
    assert payload["userErrors"] == []
    t = payload["couponTemplate"]
    assert (t["name"], t["campaignCode"], t["validDays"], t["validFrom"], t["validUntil"]) == (
        "Welcome gift",
        "SPRING-25",
        30,
        None,
        None,
    )
    assert (t["totalQuantity"], t["issuedCount"], t["remaining"], t["perMemberLimit"], t["redeemableAt"]) == (
        100,
        0,
        100,
        1,
        "IN_STORE",
    )
    assert (t["isActive"], t["priority"], t["stackable"], t["currency"]) == (True, 100, True, None)
    assert t["conditions"]["channels"] == [{"slug": "online"}]
    assert t["action"] == {"type": "PERCENT_OFF", "percent": "10", "amount": None}
    read = await client.data(ONE, {"id": t["id"]}, token=admin)
    assert read["couponTemplate"]["name"] == read["node"]["name"] == "Welcome gift"


async def test_a_campaign_with_fixed_dates_and_no_limit(client: GraphQLClient, engine: AsyncEngine) -> None:
    payload = await create(
        client,
        await token(client, engine),
        name="Members' day",
        currency="CNY",
        validFrom="2030-05-01T00:00:00Z",
        validUntil="2030-05-02T00:00:00Z",
        conditions={"minSubtotal": "100"},
        action={"type": "AMOUNT_OFF", "amount": "20"},
    )
    t = payload["couponTemplate"]
    assert (t["campaignCode"], t["totalQuantity"], t["remaining"], t["redeemableAt"]) == (None, None, None, "ANYWHERE")
    assert (t["validFrom"], t["validUntil"]) == ("2030-05-01T00:00:00+00:00", "2030-05-02T00:00:00+00:00")
    assert t["action"]["amount"] == {"amount": "20.00", "currency": "CNY"}


async def test_every_bad_field_of_a_campaign_is_reported_and_nothing_is_written(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    assert (await create(client, admin, **WELCOME))["userErrors"] == []
    payload = await create(
        client,
        admin,
        name="Again",
        campaignCode="Spring-25",
        validDays=0,
        totalQuantity=0,
        perMemberLimit=0,
        action={"type": "AMOUNT_OFF", "amount": "5"},
    )
    assert errors_of(payload) == {
        ("DUPLICATE", "input.campaignCode"),
        ("INVALID", "input.validDays"),
        ("INVALID", "input.totalQuantity"),
        ("INVALID", "input.perMemberLimit"),
        ("REQUIRED", "input.currency"),
    }
    payload = await create(
        client,
        admin,
        name="Dates",
        campaignCode="no spaces",
        validDays=3651,
        validFrom="2030-01-02T00:00:00Z",
        validUntil="2030-01-01T00:00:00Z",
        action={"type": "PERCENT_OFF"},
    )
    assert errors_of(payload) == {
        ("INVALID", "input.campaignCode"),
        ("INVALID", "input.validDays"),
        ("INVALID", "input.validFrom"),
        ("INVALID", "input.validUntil"),
        ("REQUIRED", "input.action.percent"),
    }
    payload = await create(
        client,
        admin,
        name="Naive",
        validUntil="2030-01-01T00:00:00",
        campaignCode="AB",
        conditions={"channels": ["nowhere"]},
        action={"type": "FREE_SHIPPING"},
    )
    assert errors_of(payload) == {
        ("INVALID", "input.validUntil"),
        ("INVALID", "input.campaignCode"),
        ("NOT_FOUND", "input.conditions.channels.0"),
    }
    assert await count_templates(engine) == 1


async def test_an_update_changes_what_it_names(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = (await create(client, admin, **WELCOME))["couponTemplate"]["id"]
    payload = await update(
        client,
        admin,
        gid,
        name="Welcome back",
        campaignCode=None,
        totalQuantity=None,
        validDays=None,
        validUntil="2031-01-01T00:00:00Z",
        perMemberLimit=3,
        redeemableAt="ONLINE",
        isActive=False,
    )
    assert payload["userErrors"] == []
    t = payload["couponTemplate"]
    assert (t["name"], t["campaignCode"], t["totalQuantity"], t["remaining"], t["validDays"], t["validUntil"]) == (
        "Welcome back",
        None,
        None,
        None,
        None,
        "2031-01-01T00:00:00+00:00",
    )
    assert (t["perMemberLimit"], t["redeemableAt"], t["isActive"], t["action"]["percent"]) == (3, "ONLINE", False, "10")
    # The code is free again, and can be taken by another campaign; not twice.
    other = (await create(client, admin, **WELCOME))["couponTemplate"]["id"]
    assert errors_of(await update(client, admin, gid, campaignCode="SPRING-25")) == {
        ("DUPLICATE", "input.campaignCode")
    }
    assert (await update(client, admin, other, campaignCode="spring-25"))["userErrors"] == []  # its own code
    assert errors_of(await update(client, admin, to_global_id("CouponTemplate", 9999), name="x")) == {
        ("NOT_FOUND", "id")
    }


async def test_the_quantity_cannot_go_below_what_was_issued(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = (await create(client, admin, **WELCOME))["couponTemplate"]["id"]
    async with engine.begin() as conn:
        await conn.execute(sa.update(CouponTemplate).values(issued_count=40))
    assert errors_of(await update(client, admin, gid, totalQuantity=39)) == {("INVALID", "input.totalQuantity")}
    payload = await update(client, admin, gid, totalQuantity=40)
    assert (payload["couponTemplate"]["totalQuantity"], payload["couponTemplate"]["remaining"]) == (40, 0)


async def test_only_admins_change_campaigns_and_store_managers_read_them(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    gid = (await create(client, admin, **WELCOME))["couponTemplate"]["id"]
    store = await add_location(engine)
    manager = await token(client, engine, StaffRole.STORE_MANAGER, store)
    assert top_code(await client.post(CREATE, {"input": WELCOME}, token=manager)) == "FORBIDDEN"
    assert top_code(await client.post(UPDATE, {"id": gid, "input": {"name": "x"}}, token=manager)) == "FORBIDDEN"
    assert (await client.data(ONE, {"id": gid}, token=manager))["couponTemplate"]["name"] == "Welcome gift"
    assert (await client.data(LIST, {}, token=manager))["couponTemplates"]["totalCount"] == 1
    member = (await member_signed_in(client, "ann@example.com")).access_token
    cashier = await token(client, engine, StaffRole.CASHIER, store)
    for bearer, code in ((None, "UNAUTHENTICATED"), (member, "FORBIDDEN"), (cashier, "FORBIDDEN")):
        assert top_code(await client.post(CREATE, {"input": WELCOME}, token=bearer)) == code
        assert top_code(await client.post(LIST, {}, token=bearer)) == code
        assert top_code(await client.post(ONE, {"id": gid}, token=bearer)) == code
        body = await client.post("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=bearer)
        assert body["data"]["node"] is None
    assert await count_templates(engine) == 1


async def test_campaigns_are_listed_newest_first_in_pages(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    ids = [
        (await create(client, admin, name=f"Campaign {i}", isActive=i % 2 == 0, action={"type": "FREE_SHIPPING"}))[
            "couponTemplate"
        ]["id"]
        for i in range(5)
    ]
    seen, after = [], None
    while True:
        page = (await client.data(LIST, {"first": 2, "after": after}, token=admin))["couponTemplates"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids[::-1]
    inactive = (await client.data(LIST, {"filter": {"isActive": False}}, token=admin))["couponTemplates"]
    assert [e["node"]["id"] for e in inactive["edges"]] == [ids[3], ids[1]] and inactive["totalCount"] == 2
