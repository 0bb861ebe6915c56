"""Every list a client pages through is read through an index on PostgreSQL.

Each connection and lookup of the graph is asked for (as staff, with each filter and sort, first
page and the page after it), every SQL statement it sends is captured, and each is EXPLAINed with
sequential scans priced out (`enable_seqscan = off`): a table the planner still reads whole is a
filter, join or order no index serves, which a large catalogue or order history would pay on every
request. The tables in WHOLE_TABLE_READS are read whole by design.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from domain.access.model import StaffRole
from tests.helpers import GraphQLClient

# Small reference tables a request may read in full: a retailer has a handful of channels and at
# most a few hundred categories.
WHOLE_TABLE_READS = frozenset({"channels", "categories"})

PAGE = "edges { cursor node { id } } pageInfo { endCursor }"
DOCUMENTS: list[tuple[str, str, dict[str, Any]]] = [
    # (name, document with $after, variables)
    ("products", f"query($after: String) {{ products(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    *[
        (
            f"products by {field} {direction}",
            f"""query($after: String) {{ products(first: 3, after: $after,
           sortBy: {{field: {field}, direction: {direction}}}) {{ {PAGE} }} }}""",
            {},
        )
        for field in ("NAME", "PRICE", "NEWEST")
        for direction in ("ASC", "DESC")
    ],
    (
        "products in stock",
        f"query($after: String) {{ products(first: 3, after: $after, filter: {{isAvailable: true}}) {{ {PAGE} }} }}",
        {},
    ),
    (
        "products by price range",
        f"""query($after: String) {{ products(first: 3, after: $after,
        filter: {{price: {{gte: "10", lte: "500"}}}}) {{ {PAGE} }} }}""",
        {},
    ),
    (
        "products by attribute",
        f"""query($after: String) {{ products(first: 3, after: $after,
        filter: {{attributes: [{{name: "colour", values: ["白色", "黑色"]}}]}}) {{ {PAGE} }} }}""",
        {},
    ),
    (
        "products searched",
        f"""query($after: String) {{ products(first: 3, after: $after, search: "shirt")
        {{ {PAGE} }} }}""",
        {},
    ),
    *[
        (
            f"products searched for {text}",
            f"""query($after: String) {{ products(first: 3, after: $after, search: "{text}") {{ {PAGE} }} }}""",
            {},
        )
        for text in ("纯棉 T恤", "男女同款 白色", "linen shirt")
    ],
    (
        "a storefront page",
        """query($after: String) { products(first: 5, after: $after) { edges { cursor node {
        name category { name parent { name } } pricing { priceRange { start { amount } } } isAvailable
        variants { sku price { amount } stock { available } stockLevels { onHand location { name } } } } }
        pageInfo { endCursor } } }""",
        {},
    ),
    ("categories", f"query($after: String) {{ categories(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("locations", f"query($after: String) {{ locations(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("stores", f"query($after: String) {{ locations(first: 3, after: $after, type: STORE) {{ {PAGE} }} }}", {}),
    ("orders", f"query($after: String) {{ orders(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    *[
        (
            f"orders by {name}",
            f"""query($after: String) {{ orders(first: 3, after: $after, filter: {{{flt}}})
        {{ {PAGE} }} }}""",
            {},
        )
        for name, flt in (
            ("status", "status: COMPLETED"),
            ("channel", 'channel: "online"'),
            ("period", 'createdFrom: "2000-01-01T00:00:00Z", createdTo: "2100-01-01T00:00:00Z"'),
        )
    ],
    (
        "an order page",
        """query($after: String) { orders(first: 3, after: $after) { edges { cursor node {
        number status total { amount } lines { sku quantity } payments { amount { amount } } } }
        pageInfo { endCursor } } }""",
        {},
    ),
    ("members", f"query($after: String) {{ members(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("members by tag", f'query($after: String) {{ members(first: 3, after: $after, tag: "vip") {{ {PAGE} }} }}', {}),
    (
        "members searched",
        f'query($after: String) {{ members(first: 3, after: $after, search: "member") {{ {PAGE} }} }}',
        {},
    ),
    (
        "a member's orders and points",
        """query($after: String) { members(first: 2, after: $after) { edges { cursor
        node { orders(first: 3) { edges { node { number } } } points { balance history(first: 3) {
        edges { node { delta } } } } coupons(first: 3) { edges { node { code } } } } } pageInfo { endCursor } } }""",
        {},
    ),
    (
        "a member's orders and points, from the end",
        """query($after: String) { members(first: 2, after: $after) {
        edges { node { orders(last: 3) { totalCount edges { node { number } } } points { history(last: 3) { totalCount
        edges { node { delta } } } } coupons(last: 3) { totalCount edges { node { code } } } } }
        pageInfo { endCursor } } }""",
        {},
    ),
    ("orders from the end", f"query($after: String) {{ orders(last: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("promotions", f"query($after: String) {{ promotions(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("coupon templates", f"query($after: String) {{ couponTemplates(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    ("apps", f"query($after: String) {{ apps(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    (
        "inventory movements",
        f"query($after: String) {{ inventoryMovements(first: 3, after: $after) {{ {PAGE} }} }}",
        {},
    ),
    ("fulfilments", f"query($after: String) {{ fulfillments(first: 3, after: $after) {{ {PAGE} }} }}", {}),
    (
        "fulfilments to send",
        """query($after: String) { fulfillments(first: 3, after: $after, filter: {status: PENDING}) {
        edges { cursor node { id lines { quantity } order { number fulfillments { id } } } }
        pageInfo { endCursor } } }""",
        {},
    ),
]


@pytest.fixture
async def shop(engine: AsyncEngine) -> AsyncEngine:
    if engine.dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    await seed_demo(engine, products=60, seed=1, members=30, orders=120)
    return engine


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A plan's node and every node under it."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _whole_table_reads(plan: dict[str, Any]) -> Iterator[str]:
    return (str(n.get("Relation Name")) for n in _nodes(plan) if n.get("Node Type") == "Seq Scan")


async def test_every_list_is_read_through_indexes(shop: AsyncEngine, client: GraphQLClient) -> None:
    admin = await client.staff_token(shop)
    async with shop.connect() as conn:
        store = await conn.scalar(sa.text("SELECT min(id) FROM locations WHERE type = 'STORE'"))
    # store staff see their store's orders only: the same lists, through the store's order index
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER, location_id=store)
    runs = [(admin, name, document, variables) for name, document, variables in DOCUMENTS] + [
        (manager, f"{name}, as store staff", document, variables)
        for name, document, variables in DOCUMENTS
        if name.startswith(("orders", "an order page", "a member's orders", "inventory movements", "fulfilments"))
    ]
    statements: list[tuple[str, str, Any]] = []
    current = ""

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") or statement.lstrip().upper().startswith("WITH"):
            statements.append((current, statement, parameters))

    sa.event.listen(shop.sync_engine, "before_cursor_execute", capture)
    try:
        for token, name, document, variables in runs:
            current = name
            data = await client.data(document, variables, token=token)
            cursor = next(iter(data.values()))["pageInfo"]["endCursor"]
            if cursor is not None:  # (the demo has no apps)
                current = name + ", second page"
                await client.data(document, {**variables, "after": cursor}, token=token)
    finally:
        sa.event.remove(shop.sync_engine, "before_cursor_execute", capture)

    problems: list[str] = []
    async with shop.connect() as conn:
        await conn.exec_driver_sql("SET enable_seqscan = off")
        for name, statement, parameters in statements:
            explained = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).scalar()
            plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
            for table in set(_whole_table_reads(plan)) - WHOLE_TABLE_READS:
                problems.append(f"{name}: reads all of {table}:\n    {' '.join(statement.split())[:300]}")
    assert not problems, "\n".join(problems)


def _relations(plan: dict[str, Any]) -> set[str]:
    return {str(n["Relation Name"]) for n in _nodes(plan) if "Relation Name" in n}


async def test_a_storefronts_count_reads_the_channels_number_not_its_listings(
    shop: AsyncEngine, client: GraphQLClient
) -> None:
    """The client's listing asks for `totalCount`. Unfiltered, it is the number of products the channel
    publishes, kept by triggers (db/published_counts.py): its cost does not grow with the catalogue."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "count" in statement:
            statements.append((statement, parameters))

    sa.event.listen(shop.sync_engine, "before_cursor_execute", capture)
    try:
        data = await client.data(
            "query($channel: String) { products(first: 5, channel: $channel) { totalCount edges { node { id } } } }",
            {"channel": "online"},
        )
    finally:
        sa.event.remove(shop.sync_engine, "before_cursor_execute", capture)
    async with shop.connect() as conn:
        published = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM product_channel_listings l JOIN channels c ON c.id = l.channel_id "
                "WHERE c.slug = 'online' AND l.is_published"
            )
        )
        assert data["products"]["totalCount"] == published > 5 and len(statements) == 1
        explained = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statements[0][0], statements[0][1])).scalar()
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    counts = [p for p in plan["Plans"] if p.get("Parent Relationship") in ("InitPlan", "SubPlan")]
    assert [_relations(p) for p in counts] == [{"published_product_counts"}], json.dumps(plan)[:2000]
