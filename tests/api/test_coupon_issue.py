"""Staff issuing coupons (`couponIssue`): one personal coupon per member, by id or by tag, within the
campaign's quantity and per-member limit; all or nothing on quantity; nothing written on failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Coupon, CouponTemplate, Member, MemberTag, Promotion, StaffUser
from domain.access.model import StaffRole
from schema.relay import to_global_id
from tests.api.test_accounts import member_signed_in
from tests.api.test_coupon_templates import create as create_template
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


ISSUE = """mutation($input: CouponIssueInput!) {
  couponIssue(input: $input) {
    issuedCount skippedCount skipped { member { id } code message }
    coupons { code status validFrom validUntil member { id } }
    couponTemplate { issuedCount remaining }
    userErrors { field message code } } }"""


async def add_members(engine: AsyncEngine, n: int, tag: str | None = None) -> list[int]:
    """`n` members written straight into the database, optionally with a tag."""
    async with engine.begin() as conn:
        ids = list(
            (
                await conn.execute(sa.insert(Member).returning(Member.id), [{"name": f"Member {i}"} for i in range(n)])
            ).scalars()
        )
        if tag is not None:
            await conn.execute(sa.insert(MemberTag), [{"member_id": m, "tag": tag} for m in ids])
    return ids


def gids(member_ids: list[int]) -> list[str]:
    return [to_global_id("Member", m) for m in member_ids]


async def template(client: GraphQLClient, bearer: str, **fields: Any) -> str:
    payload = await create_template(
        client, bearer, **{"name": "Gift", "action": {"type": "PERCENT_OFF", "percent": "10"}, **fields}
    )
    assert payload["userErrors"] == []
    gid: str = payload["couponTemplate"]["id"]
    return gid


async def issue(client: GraphQLClient, bearer: str | None, template_id: str, **fields: Any) -> dict[str, Any]:
    body = await client.post(ISSUE, {"input": {"templateId": template_id, **fields}}, token=bearer)
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["couponIssue"]
    return payload


async def coupons(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(Coupon).order_by(Coupon.id))).all())


async def issued_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.sum(CouponTemplate.issued_count))) or 0)


async def test_staff_issue_a_coupon_to_each_member_by_id_and_by_tag(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin, validDays=7, totalQuantity=10)
    vips = await add_members(engine, 3, tag="vip")
    others = await add_members(engine, 2)
    before = datetime.now(UTC)
    payload = await issue(client, admin, gid, memberIds=gids([others[0], vips[0], others[0]]), tag=" VIP ")
    assert payload["userErrors"] == [] and payload["skipped"] == []
    assert (payload["issuedCount"], payload["couponTemplate"]) == (4, {"issuedCount": 4, "remaining": 6})
    assert sorted(c["member"]["id"] for c in payload["coupons"]) == sorted(gids([others[0], *vips]))
    codes = {c["code"] for c in payload["coupons"]}
    assert len(codes) == 4 and all(len(c) == 12 for c in codes)
    first = payload["coupons"][0]
    valid_from, valid_until = (datetime.fromisoformat(first[k]) for k in ("validFrom", "validUntil"))
    assert first["status"] == "ACTIVE" and before <= valid_from <= datetime.now(UTC)
    assert valid_until - valid_from == timedelta(days=7)
    async with engine.connect() as conn:
        staff_id = await conn.scalar(sa.select(StaffUser.id))
    assert {row.issued_by_staff_id for row in await coupons(engine)} == {staff_id}


async def test_fixed_dates_are_each_coupons_window(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin, validFrom="2030-01-01T00:00:00Z", validUntil="2030-02-01T00:00:00Z")
    payload = await issue(client, admin, gid, memberIds=gids(await add_members(engine, 1)))
    assert (payload["coupons"][0]["validFrom"], payload["coupons"][0]["validUntil"]) == (
        "2030-01-01T00:00:00+00:00",
        "2030-02-01T00:00:00+00:00",
    )
    assert payload["couponTemplate"]["remaining"] is None


async def test_members_at_their_limit_are_skipped_and_the_others_served(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin, perMemberLimit=2)
    members = await add_members(engine, 3)
    for _ in range(2):
        assert (await issue(client, admin, gid, memberIds=gids(members[:2])))["issuedCount"] == 2
    payload = await issue(client, admin, gid, memberIds=gids(members))
    assert (payload["issuedCount"], payload["skippedCount"], payload["userErrors"]) == (1, 2, [])
    assert {(s["member"]["id"], s["code"]) for s in payload["skipped"]} == {
        (g, "COUPON_LIMIT_REACHED") for g in gids(members[:2])
    }
    assert [c["member"]["id"] for c in payload["coupons"]] == gids(members[2:])
    assert len(await coupons(engine)) == 5 and await issued_count(engine) == 5


async def test_a_campaign_short_of_coupons_issues_none(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin, totalQuantity=3)
    members = await add_members(engine, 5)
    payload = await issue(client, admin, gid, memberIds=gids(members))
    assert errors_of(payload) == {("COUPON_EXHAUSTED", "input.templateId")}
    assert "Only 3 left" in payload["userErrors"][0]["message"]
    assert (payload["issuedCount"], payload["coupons"], payload["couponTemplate"]) == (0, [], None)
    assert await coupons(engine) == [] and await issued_count(engine) == 0
    assert (await issue(client, admin, gid, memberIds=gids(members[:3])))["issuedCount"] == 3
    assert errors_of(await issue(client, admin, gid, memberIds=gids(members[3:4]))) == {
        ("COUPON_EXHAUSTED", "input.templateId")
    }
    assert len(await coupons(engine)) == 3 and await issued_count(engine) == 3


async def test_withdrawn_and_ended_campaigns_issue_nothing(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    members = gids(await add_members(engine, 2))
    withdrawn = await template(client, admin, isActive=False)
    assert errors_of(await issue(client, admin, withdrawn, memberIds=members)) == {
        ("COUPON_INVALID", "input.templateId")
    }
    ended = await template(client, admin, validUntil="2020-01-01T00:00:00Z")
    assert errors_of(await issue(client, admin, ended, memberIds=members)) == {("COUPON_EXPIRED", "input.templateId")}
    assert await coupons(engine) == []


async def test_bad_input_is_reported_and_nothing_is_issued(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin)
    member = gids(await add_members(engine, 1))[0]
    payload = await issue(
        client, admin, gid, memberIds=[member, to_global_id("Member", 99_999), "junk"], tag="not a tag!"
    )
    assert errors_of(payload) == {
        ("NOT_FOUND", "input.memberIds.1"),
        ("NOT_FOUND", "input.memberIds.2"),
        ("INVALID", "input.tag"),
    }
    assert errors_of(await issue(client, admin, gid)) == {("REQUIRED", "input.memberIds")}
    assert errors_of(await issue(client, admin, gid, memberIds=[])) == {("REQUIRED", "input.memberIds")}
    for unknown in (to_global_id("CouponTemplate", 99_999), "junk"):
        assert errors_of(await issue(client, admin, unknown, memberIds=[member])) == {("NOT_FOUND", "input.templateId")}
    assert await coupons(engine) == []
    nobody = await issue(client, admin, gid, tag="nobody-has-this")
    assert (nobody["issuedCount"], nobody["userErrors"]) == (0, [])


async def test_only_admins_issue_coupons(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await token(client, engine)
    gid = await template(client, admin)
    members = gids(await add_members(engine, 1))
    store = await add_location(engine)
    manager = await token(client, engine, StaffRole.STORE_MANAGER, store)
    cashier = await token(client, engine, StaffRole.CASHIER, store)
    member = (await member_signed_in(client, "ann@example.com")).access_token
    for bearer, code in (
        (None, "UNAUTHENTICATED"),
        (member, "FORBIDDEN"),
        (cashier, "FORBIDDEN"),
        (manager, "FORBIDDEN"),
    ):
        body = await client.post(ISSUE, {"input": {"templateId": gid, "memberIds": members}}, token=bearer)
        assert top_code(body) == code
    assert await coupons(engine) == []
