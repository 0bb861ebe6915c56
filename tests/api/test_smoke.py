"""The app answers health checks and a first storefront query."""

from __future__ import annotations

from tests.helpers import GraphQLClient


async def test_health_live_and_ready(client: GraphQLClient) -> None:
    live = await client.http.get("/health/live")
    ready = await client.http.get("/health/ready")
    assert live.status_code == 200 and ready.status_code == 200
    assert ready.json()["database"] == "up"


async def test_first_query_lists_demo_products(client: GraphQLClient, demo: object) -> None:
    data = await client.data("{ channels { slug isDefault } products(first: 5) { edges { node { name } } } }")
    assert [c["slug"] for c in data["channels"]] == ["online", "pos"]
    assert len(data["products"]["edges"]) == 5
