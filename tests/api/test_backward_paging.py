"""Every list pages backwards as it pages forwards (`last`/`before`), as the contract promises: walking a
list from its end with `last` gives the pages walking from its start with `first` gives, in reverse; the
page flags say what lies either side; `first` with `last` is refused; pages are keyset reads (no OFFSET);
and a list under each member of a page costs the same statements for 1 member as for 3."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from db.models import App, Coupon, CouponTemplate, Promotion
from db.pagination import Ordering, SortKey, parse_int
from domain.promotions.records import CouponState
from schema.relay import to_global_id
from tests.helpers import GraphQLClient, StatementCounter

PAGE = """(first: $first, after: $after, last: $last, before: $before) {
  edges { cursor node { __typename } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }"""
VARS = "$first: Int, $after: String, $last: Int, $before: String"


def member_list(field: str, close: str = "") -> str:
    return f"query({VARS}, $id: ID!) {{ node(id: $id) {{ ... on Member {{ {field}{PAGE}{close} }} }} }}"


LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (document, path from `data` to the connection)
    "orders": (f"query({VARS}) {{ orders{PAGE} }}", ("orders",)),
    "promotions": (f"query({VARS}) {{ promotions{PAGE} }}", ("promotions",)),
    "couponTemplates": (f"query({VARS}) {{ couponTemplates{PAGE} }}", ("couponTemplates",)),
    "apps": (f"query({VARS}) {{ apps{PAGE} }}", ("apps",)),
    "Member.orders": (member_list("orders"), ("node", "orders")),
    "Member.coupons": (member_list("coupons"), ("node", "coupons")),
    "Points.history": (member_list("points { history", " }"), ("node", "points", "history")),
}


@pytest.fixture
async def shop(engine: AsyncEngine) -> AsyncEngine:
    """Three demo members with their orders (the first has 8), and 5 or more of every other list."""
    await seed_demo(engine, products=5, seed=1, members=3, orders=15)
    async with engine.begin() as conn:
        for model, extra in ((Promotion, {}), (CouponTemplate, {"campaign_code": None})):
            row = dict((await conn.execute(sa.select(model.__table__))).mappings().first() or {})
            row.pop("id")
            await conn.execute(sa.insert(model.__table__), [{**row, **extra, "name": f"Copy {i}"} for i in range(5)])
        template_id = await conn.scalar(sa.select(CouponTemplate.id).limit(1))
        await conn.execute(
            sa.insert(Coupon.__table__),
            [
                {
                    "code": f"PAGE{i:04d}",
                    "template_id": template_id,
                    "member_id": 1 if i < 7 else 3,
                    "state": CouponState.ACTIVE,
                }
                for i in range(9)
            ],
        )
        await conn.execute(
            sa.insert(App.__table__),
            [{"name": f"App {i}", "token_hash": f"{i:064d}", "token_hint": "x", "scopes": []} for i in range(6)],
        )
        await conn.execute(
            sa.text(
                "INSERT INTO points_entries (member_id, kind, delta, reason, balance_after, "
                "created_at) SELECT 1, 'ADJUST', 1, 'bonus', 1, created_at FROM orders"
            )
        )
    return engine


def _at(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data


async def _page(client: GraphQLClient, token: str, name: str, **variables: Any) -> dict[str, Any]:
    document, path = LISTS[name]
    return _at(await client.data(document, {"id": to_global_id("Member", 1), **variables}, token=token), path)


def _ids(page: dict[str, Any]) -> list[str]:
    """The items of a page, by their cursors (a cursor names one item whichever way it was paged to)."""
    return [e["cursor"] for e in page["edges"]]


@pytest.mark.parametrize("name", list(LISTS))
async def test_paging_back_from_the_end_gives_the_forward_pages_reversed(
    client: GraphQLClient, shop: AsyncEngine, statements: StatementCounter, name: str
) -> None:
    admin = await client.staff_token(shop)
    statements.reset()
    forward: list[list[str]] = []
    after = None
    while True:
        page = await _page(client, admin, name, first=2, after=after)
        forward.append(_ids(page))
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[list[str]] = []
    before = None
    while True:
        page = await _page(client, admin, name, last=2, before=before)
        backward.append(_ids(page))
        assert page["pageInfo"]["hasNextPage"] == (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    everything = [i for p in forward for i in p]
    assert len(everything) >= 5 and len(set(everything)) == len(everything), name
    assert [i for p in reversed(backward) for i in p] == everything
    assert all(len(p) == 2 for p in backward[:-1])
    # A page back from the middle ends just before it; the whole list from the end is the whole list.
    middle = (await _page(client, admin, name, first=3))["edges"][2]["cursor"]
    assert _ids(await _page(client, admin, name, last=2, before=middle)) == everything[:2]
    assert _ids(await _page(client, admin, name, last=100)) == everything
    if shop.dialect.name == "postgresql":  # (SQLite's dialect writes `OFFSET 0` after every LIMIT)
        assert not [s for s in statements.statements if "OFFSET" in s.upper()]


@pytest.mark.parametrize("name", list(LISTS))
async def test_first_with_last_or_another_lists_cursor_is_refused(
    client: GraphQLClient, shop: AsyncEngine, name: str
) -> None:
    admin = await client.staff_token(shop)
    document, _ = LISTS[name]
    elsewhere = Ordering("elsewhere", [SortKey(sa.column("id"), parse=parse_int)]).encode([1])
    for wrong in ({"first": 2, "last": 2}, {"last": 2, "before": elsewhere}):
        body = await client.post(document, {"id": to_global_id("Member", 1), **wrong}, token=admin)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (wrong, body)


MEMBERS_WITH_COUNTS = """query($n: Int) { members(first: $n) { edges { node { name
  orders(last: 2) { totalCount edges { node { number } } }
  coupons(last: 2) { totalCount edges { node { code } } }
  points { history(last: 2) { totalCount } } } } } }"""


async def test_members_with_their_lists_and_counts_cost_the_same_statements_for_1_or_3(
    client: GraphQLClient, shop: AsyncEngine, statements: StatementCounter
) -> None:
    admin = await client.staff_token(shop)
    counts = []
    for n in (1, 3):
        statements.reset()
        members = (await client.data(MEMBERS_WITH_COUNTS, {"n": n}, token=admin))["members"]["edges"]
        assert len(members) == n
        counts.append(statements.count)
    totals = {m["node"]["name"]: m["node"]["orders"]["totalCount"] for m in members}
    assert sorted(totals.values()) == [1, 6, 8]
    assert sorted(m["node"]["coupons"]["totalCount"] for m in members) == [1, 3, 8]  # each has the demo THANKS coupon
    assert counts[0] == counts[1], statements.statements
