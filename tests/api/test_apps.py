"""Third-party apps: admins issue scoped tokens; the token works only within its scopes until revoked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

import api.auth
from domain.access.model import StaffRole
from tests.helpers import GraphQLClient

pytestmark = pytest.mark.usefixtures("demo")

CREATE = """mutation($name: String!, $scopes: [AppScope!]!) {
  appCreate(input: {name: $name, scopes: $scopes}) {
    app { id name scopes tokenHint revokedAt } token userErrors { field code } } }"""
COUNT = "{ products(first: 1) { totalCount } }"


async def create_app(client: GraphQLClient, admin: str, scopes: list[str], name: str = "ERP") -> dict:
    data = await client.data(CREATE, {"name": name, "scopes": scopes}, token=admin)
    return data["appCreate"]


async def test_an_app_token_is_shown_once_and_stored_only_as_a_hash(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    created = await create_app(client, admin, ["CATALOG_READ", "INVENTORY_WRITE"])
    token = created["token"]
    assert token.startswith("app_") and created["app"]["tokenHint"] == token[:10]
    assert created["app"]["scopes"] == ["CATALOG_READ", "INVENTORY_WRITE"]
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.text("SELECT token_hash FROM apps"))).scalar_one()
    assert token not in stored and len(stored) == 64
    listed = await client.data("{ apps(first: 10) { edges { node { name tokenHint } } } }", token=admin)
    assert [e["node"]["name"] for e in listed["apps"]["edges"]] == ["ERP"]


async def test_an_app_acts_within_its_scopes_only(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    token = (await create_app(client, admin, ["CATALOG_READ"]))["token"]
    everything = (await client.data(COUNT, token=admin))["products"]["totalCount"]
    published = (await client.data(COUNT))["products"]["totalCount"]
    assert (await client.data(COUNT, token=token))["products"]["totalCount"] == everything > published
    body = await client.post(
        'mutation { channelCreate(input: {slug: "x", name: "X", currency: "CNY", kind: APP}) { channel { id } } }',
        token=token,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await client.post("{ apps(first: 1) { edges { cursor } } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_revoked_app_token_is_refused(
    client: GraphQLClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.auth, "APP_CACHE_SECONDS", 0.0)
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    created = await create_app(client, admin, ["CATALOG_READ"])
    assert "errors" not in await client.post(COUNT, token=created["token"])
    revoked = await client.data(
        "mutation($id: ID!) { appRevoke(id: $id) { app { revokedAt } userErrors { code } } }",
        {"id": created["app"]["id"]},
        token=admin,
    )
    assert revoked["appRevoke"]["app"]["revokedAt"] is not None
    response = await client.http.post(
        "/graphql", json={"query": COUNT}, headers={"Authorization": f"Bearer {created['token']}"}
    )
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = await client.data(
        "mutation($id: ID!) { appRevoke(id: $id) { userErrors { code field } } }",
        {"id": created["app"]["id"]},
        token=admin,
    )
    assert again["appRevoke"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["id"]}]


async def test_an_unknown_app_token_is_unauthenticated(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql", json={"query": COUNT}, headers={"Authorization": "Bearer app_not-a-real-token"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("role", [StaffRole.STORE_MANAGER, StaffRole.CASHIER])
async def test_only_admins_register_apps(client: GraphQLClient, engine: AsyncEngine, role: StaffRole) -> None:
    token = await client.staff_token(engine, role)
    body = await client.post(CREATE, {"name": "x", "scopes": ["CATALOG_READ"]}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_app_needs_a_name_and_a_scope(client: GraphQLClient, engine: AsyncEngine) -> None:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    created = await create_app(client, admin, [], name=" ")
    assert created["app"] is None and created["token"] is None
    assert {(e["code"], tuple(e["field"])) for e in created["userErrors"]} == {
        ("REQUIRED", ("input", "name")),
        ("REQUIRED", ("input", "scopes")),
    }
