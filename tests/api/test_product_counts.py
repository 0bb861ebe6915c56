"""The product list's `totalCount` rides on its page's statement (db/product_list.py `_with_count`), and
counts the channel's published listings without reading the products when nothing is asked of them.

Whatever the filters, the sort, the caller or where the page sits (the first, one after a cursor, an
empty one past the end, `first: 0`), the count is the number of products walking every page finds, and
asking for it costs no statement more than leaving it out.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.model import StaffRole
from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

PAGE = """query($first: Int, $after: String, $channel: String, $search: String, $filter: ProductFilter,
      $sort: ProductSort, $counted: Boolean!) {
  products(first: $first, after: $after, channel: $channel, search: $search, filter: $filter, sortBy: $sort) {
    totalCount @include(if: $counted)
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CATEGORIES = "{ categories(first: 100) { edges { node { id name } } } }"


async def _lists(client: GraphQLClient) -> list[tuple[str, dict[str, Any]]]:
    """(what, variables) of lists that take every path of the count."""
    categories = (await client.data(CATEGORIES))["categories"]["edges"]
    top = categories[0]["node"]["id"]
    return [
        ("everything", {}),
        ("another channel", {"channel": "pos"}),
        ("price at least", {"filter": {"price": {"gte": "100"}}}),
        ("price at most", {"filter": {"price": {"lte": "100"}}}),
        ("by price", {"sort": {"field": "PRICE", "direction": "DESC"}}),
        ("by newest", {"sort": {"field": "NEWEST", "direction": "ASC"}}),
        ("a category", {"filter": {"categories": [top]}}),
        ("available", {"filter": {"isAvailable": True}}),
        ("not available", {"filter": {"isAvailable": False}}),
        ("a search", {"search": "shirt"}),
        ("a search by price", {"search": "shirt", "sort": {"field": "PRICE", "direction": "ASC"}}),
        ("an attribute", {"filter": {"attributes": [{"name": "size", "values": ["M"]}]}}),
    ]


async def _walk(client: GraphQLClient, variables: dict[str, Any], token: str | None) -> list[str]:
    """Every product's id, page by page without counting."""
    seen: list[str] = []
    after = None
    while True:
        page = (await client.data(PAGE, {**variables, "first": 7, "after": after, "counted": False}, token=token))[
            "products"
        ]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("staff", [False, True], ids=["anonymous", "staff"])
async def test_the_count_is_what_walking_every_page_finds_wherever_the_page_sits(
    client: GraphQLClient, engine: AsyncEngine, staff: bool
) -> None:
    token = await client.staff_token(engine, StaffRole.ADMIN) if staff else None
    lists = await _lists(client)
    assert lists
    for what, variables in lists:
        everything = await _walk(client, variables, token)
        assert len(everything) == len(set(everything))
        first = (await client.data(PAGE, {**variables, "first": 3, "counted": True}, token=token))["products"]
        pages = [first]
        if first["pageInfo"]["endCursor"] is not None:
            after = {"after": first["pageInfo"]["endCursor"], "counted": True}
            pages.append((await client.data(PAGE, {**variables, "first": 3, **after}, token=token))["products"])
        past_end = {"first": 100, "after": None, "counted": True}
        last = (await client.data(PAGE, {**variables, **past_end}, token=token))["products"]
        if last["pageInfo"]["endCursor"] is not None:
            beyond = {**variables, "first": 5, "after": last["pageInfo"]["endCursor"], "counted": True}
            empty = (await client.data(PAGE, beyond, token=token))["products"]
            assert empty["edges"] == []
            pages.append(empty)
        pages.append((await client.data(PAGE, {**variables, "first": 0, "counted": True}, token=token))["products"])
        assert [p["totalCount"] for p in pages] == [len(everything)] * len(pages), what


async def test_counting_costs_no_statement_more(client: GraphQLClient, statements: StatementCounter) -> None:
    for what, variables in await _lists(client):
        costs = []
        for counted in (False, True, False):
            await client.data(PAGE, {**variables, "first": 3, "counted": counted})  # the channel cached
            statements.reset()
            page = (await client.data(PAGE, {**variables, "first": 3, "counted": counted}))["products"]
            costs.append(statements.count)
        if page["edges"]:
            assert costs[0] == costs[1] == costs[2], (what, statements.statements)
