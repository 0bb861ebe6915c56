"""The sales dashboard (api/dashboard.py): the vendored Chart.js matches its pinned sha384 and carries
its licence, the page loads only this server's files with SRI under a policy with no inline script or
style, the files have their types and cache lifetimes, the switch turns it all off, and the GraphQL
documents the page's script sends are valid and answer as the API's rules say (a store manager sees
their store, a cashier is refused). `.ci/dashboard-check` runs the page in Chromium."""

from __future__ import annotations

import re

import graphql
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.dashboard import ASSETS_PATH, OWN, STATIC, VENDORED, manifest, sri
from api.settings import Settings
from domain.access.model import StaffRole
from schema import build_schema
from schema.relay import decode_id
from tests.api.test_graphiql import csp
from tests.api.test_http import http_client
from tests.helpers import STAFF_PASSWORD, GraphQLClient
from tests.inventory_fixtures import location_gid
from tests.report_fixtures import Trading, fixture_settings, fixture_trading  # noqa: F401 (pytest fixtures)

HTML = {"Accept": "text/html"}
ASSET_TAG = re.compile(r'<(?:script src|link rel="stylesheet" href)="([^"]+)" integrity="([^"]+)"')
SCRIPT = (STATIC / "dashboard.js").read_text()
DOCUMENTS = dict(re.findall(r"const ([A-Z_]+) = `(.*?)`;", SCRIPT, re.DOTALL))


def test_vendored_chart_js_matches_the_manifest() -> None:
    [(path, integrity)] = VENDORED.items()
    version = re.fullmatch(r"chart\.js@(\d+\.\d+\.\d+)/dist/chart\.umd\.min\.js", path)
    assert version, path
    data = (STATIC / path).read_bytes()
    assert sri(data) == integrity
    assert f"Chart.js v{version[1]}".encode() in data[:200]  # the banner names the version the path says
    assert "The MIT License" in (STATIC / f"chart.js@{version[1]}" / "LICENSE.md").read_text()
    assert list(manifest()) == [path, *OWN]  # Chart.js first: the page's script uses it


async def test_the_page_loads_only_this_servers_files_under_a_strict_policy(client: GraphQLClient) -> None:
    response = await client.http.get("/dashboard", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Omnishop · Sales dashboard</title>" in response.text
    assert ASSET_TAG.findall(response.text) == [
        (f"{ASSETS_PATH}/{p}", i) for p, i in manifest().items() if p.endswith(".css")
    ] + [(f"{ASSETS_PATH}/{p}", i) for p, i in manifest().items() if p.endswith(".js")]
    # nothing inline: every script has a src, no <style>, no style attributes, no handlers
    assert re.findall(r"<script(?![^>]* src=)", response.text) == []
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", response.text)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", response.text)
    headers = response.headers
    assert (headers["x-content-type-options"], headers["referrer-policy"], headers["x-frame-options"]) == (
        "nosniff",
        "no-referrer",
        "DENY",
    )
    assert headers["cache-control"] == "no-store"
    assert csp(response) == {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }


async def test_the_files_are_served_with_types_and_cache_lifetimes(client: GraphQLClient) -> None:
    for path, integrity in manifest().items():
        response = await client.http.get(f"{ASSETS_PATH}/{path}")
        assert response.status_code == 200 and sri(response.content) == integrity, path
        media_type = "text/css" if path.endswith(".css") else "text/javascript"
        assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cross-origin-resource-policy"] == "same-origin"
        if path in VENDORED:  # the path names Chart.js's version
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        else:  # the page's own files change with the code: kept, but revalidated
            assert response.headers["cache-control"] == "no-cache"
        assert response.headers["etag"] == f'"{integrity}"'
        again = await client.http.get(f"{ASSETS_PATH}/{path}", headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == f'"{integrity}"'
        stale = await client.http.get(f"{ASSETS_PATH}/{path}", headers={"If-None-Match": '"sha384-old"'})
        assert stale.status_code == 200 and sri(stale.content) == integrity
    licence = next(iter(VENDORED)).split("/")[0] + "/LICENSE.md"
    for other in ("manifest.json", licence, "../dashboard.py", "..%2F..%2Fsettings.py", "dashboard.html", ""):
        assert (await client.http.get(f"{ASSETS_PATH}/{other}")).status_code == 404, other


async def test_the_dashboard_can_be_switched_off(engine: AsyncEngine, settings: Settings) -> None:
    async with http_client(engine, settings, dashboard=False) as http:
        assert (await http.get("/dashboard", headers=HTML)).status_code == 404
        assert (await http.get(f"{ASSETS_PATH}/dashboard.js")).status_code == 404
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).status_code == 200


def test_the_pages_documents_are_valid_against_the_schema() -> None:
    assert set(DOCUMENTS) == {"SIGN_IN", "REFRESH", "SIGN_OUT", "REPORT"}
    schema = build_schema()._schema
    for name, document in DOCUMENTS.items():
        assert graphql.validate(schema, graphql.parse(document)) == [], name


async def test_the_pages_report_follows_the_readers_rights(trading: Trading, demo: AsyncEngine) -> None:
    """What the page asks: the admin's stores add up to the totals; a manager's cover their store only;
    a cashier is refused with FORBIDDEN, which the page shows as a refusal rather than as no sales."""
    t, http = trading, trading.shop.client
    gid = location_gid(t.shop.store_a)
    variables = {"filter": {"from": "2000-01-01", "to": "2002-12-31"}, "per": "DAY"}
    assert (await http.post(DOCUMENTS["REPORT"], variables, token=t.admin))["data"]["byPeriod"]["rows"] == []
    variables["filter"] = {"from": "2026-01-01", "to": "2028-12-31"}  # the fixture trades now
    admin = (await http.post(DOCUMENTS["REPORT"], variables, token=t.admin))["data"]
    totals = admin["byPeriod"]["totals"]
    assert totals["orders"] > 0
    for rows in (admin["byPeriod"]["rows"], admin["byStore"]["rows"]):
        assert sum(float(r["figures"]["net"]["amount"]) for r in rows) == pytest.approx(float(totals["net"]["amount"]))

    node = await http.post("query($id: ID!) { node(id: $id) { ... on Location { code } } }", {"id": gid}, token=t.admin)
    code = node["data"]["node"]["code"]
    manager = await http.staff_token(demo, StaffRole.STORE_MANAGER, email="m@example.com", location_id=t.shop.store_a)
    mine = (await http.post(DOCUMENTS["REPORT"], variables, token=manager))["data"]
    assert code in {r["location"]["code"] for r in admin["byStore"]["rows"] if r["location"]}
    assert [r["location"]["code"] for r in mine["byStore"]["rows"]] == [code]  # not the deliveries, no other
    assert len(admin["byStore"]["rows"]) > 1 and mine["byPeriod"]["totals"]["orders"] < totals["orders"]

    refused = await http.post(DOCUMENTS["REPORT"], variables, token=t.cashier)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_pages_sign_in_says_who_and_its_tokens_renew_and_revoke(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    store = (await client.data("{ locations(type: STORE, first: 1) { edges { node { id code } } } }"))["locations"]
    [edge] = store["edges"]
    location_id = int(decode_id(edge["node"]["id"], "Location") or 0)
    await client.staff_token(demo, StaffRole.STORE_MANAGER, email="boss@example.com", location_id=location_id)
    credentials = {"email": "boss@example.com", "password": STAFF_PASSWORD}
    signed_in = (await client.post(DOCUMENTS["SIGN_IN"], {"input": credentials}))["data"]["staffTokenCreate"]
    assert signed_in["accessToken"] and signed_in["userErrors"] == []
    assert signed_in["staff"] == {
        "name": "store_manager",
        "role": "STORE_MANAGER",
        "location": {"code": edge["node"]["code"], "name": signed_in["staff"]["location"]["name"]},
    }
    # the page renews a refused access token once with the refresh token, and revokes it on signing out
    renewal = {"input": {"refreshToken": signed_in["refreshToken"]}}
    renewed = (await client.post(DOCUMENTS["REFRESH"], renewal))["data"]["tokenRefresh"]
    assert renewed["accessToken"] and renewed["refreshToken"] and renewed["userErrors"] == []
    sign_out = {"input": {"refreshToken": renewed["refreshToken"]}}
    assert (await client.post(DOCUMENTS["SIGN_OUT"], sign_out))["data"]["tokenRevoke"]["revoked"] is True
    again = (await client.post(DOCUMENTS["REFRESH"], sign_out))["data"]["tokenRefresh"]
    assert again["accessToken"] is None and again["userErrors"]

    wrong = {"email": "boss@example.com", "password": "not-the-password"}
    refused = (await client.post(DOCUMENTS["SIGN_IN"], {"input": wrong}))["data"]["staffTokenCreate"]
    assert refused["accessToken"] is None and refused["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
