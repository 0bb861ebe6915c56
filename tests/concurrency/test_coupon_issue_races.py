"""Issuing coupons under real parallel requests on PostgreSQL: a campaign never gives out more than it
has, and no member gets more than each may, however the `couponIssue` calls overlap.

The calls go through the ASGI app together (`asyncio.gather`), each its own request, session and
transaction; the template row lock makes them take turns at the point that matters.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Coupon, CouponTemplate
from tests.api.test_coupon_issue import ISSUE, add_members, gids, template
from tests.api.test_promotion_admin import token
from tests.helpers import GraphQLClient


async def totals(engine: AsyncEngine) -> tuple[int, int, int]:
    """(coupons, distinct members holding one, the template's issued_count)."""
    async with engine.connect() as conn:
        coupons = await conn.scalar(sa.select(sa.func.count()).select_from(Coupon))
        members = await conn.scalar(sa.select(sa.func.count(sa.distinct(Coupon.member_id))))
        issued = await conn.scalar(sa.select(sa.func.sum(CouponTemplate.issued_count)))
    return int(coupons or 0), int(members or 0), int(issued or 0)


def outcome(body: dict[str, object]) -> str:
    assert "errors" not in body, body
    payload = body["data"]["couponIssue"]  # type: ignore[index]
    errors = payload["userErrors"]
    return errors[0]["code"] if errors else f"ISSUED {payload['issuedCount']}"


async def test_three_issues_of_50_against_100_coupons_give_out_exactly_100(
    client: GraphQLClient, pg: AsyncEngine
) -> None:
    admin = await token(client, pg)
    gid = await template(client, admin, totalQuantity=100)
    members = await add_members(pg, 150)
    batches = [gids(members[i * 50 : (i + 1) * 50]) for i in range(3)]
    bodies = await asyncio.gather(
        *(client.post(ISSUE, {"input": {"templateId": gid, "memberIds": batch}}, token=admin) for batch in batches)
    )
    assert Counter(map(outcome, bodies)) == {"ISSUED 50": 2, "COUPON_EXHAUSTED": 1}
    assert await totals(pg) == (100, 100, 100)


async def test_overlapping_issues_give_each_member_one_coupon(client: GraphQLClient, pg: AsyncEngine) -> None:
    admin = await token(client, pg)
    gid = await template(client, admin)  # unlimited, one per member
    members = gids(await add_members(pg, 40))
    bodies = await asyncio.gather(
        *(client.post(ISSUE, {"input": {"templateId": gid, "memberIds": members}}, token=admin) for _ in range(5))
    )
    assert sorted(map(outcome, bodies)) == ["ISSUED 0"] * 4 + ["ISSUED 40"]
    assert await totals(pg) == (40, 40, 40)
