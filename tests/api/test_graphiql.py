"""GraphiQL served by this server with no network beyond it (api/graphiql.py): the vendored files
match their pinned sha384, the page loads them from here (or a configured mirror) with SRI under a
strict CSP, and they are served with long cache lifetimes. `.ci/browser-check` runs the page in
Chromium."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.graphiql import ASSETS_PATH, MANIFEST, STATIC
from api.settings import Settings
from tests.api.test_http import http_client
from tests.helpers import GraphQLClient

HTML = {"Accept": "text/html"}
ASSET_TAG = re.compile(r'<(?:script src|link rel="stylesheet" href)="([^"]+)" integrity="([^"]+)"')


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def csp(response: httpx.Response) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))


def test_vendored_files_match_the_manifest() -> None:
    assert [p.rsplit("/", 1)[-1] for p in MANIFEST] == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.css",
        "graphiql.min.js",
        "style.css",
        "index.umd.js",
    ]  # load order: React first, the explorer plugin last
    for path, integrity in MANIFEST.items():
        assert sri((STATIC / path).read_bytes()) == integrity, path
        package = path.split("/", 2 if path.startswith("@") else 1)[:-1]
        assert "MIT License" in (STATIC.joinpath(*package) / "LICENSE").read_text(), path


async def test_the_page_loads_only_this_servers_files(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert re.search(r"<title>Omnishop GraphiQL [^<]*Authorization: Bearer", response.text)
    assert "unpkg" not in response.text and "jsdelivr" not in response.text and "Cookies" not in response.text
    assert ASSET_TAG.findall(response.text) == [
        (f"{ASSETS_PATH}/{p}", i) for p, i in MANIFEST.items() if p.endswith(".css")
    ] + [(f"{ASSETS_PATH}/{p}", i) for p, i in MANIFEST.items() if p.endswith(".js")]
    headers = response.headers
    assert (headers["x-content-type-options"], headers["referrer-policy"], headers["x-frame-options"]) == (
        "nosniff",
        "no-referrer",
        "DENY",
    )
    policy = csp(response)
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline]
    assert policy["script-src"].split() == ["'self'", *hashes]
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert "http" not in headers["content-security-policy"] and policy["frame-ancestors"] == "'none'"
    # anonymous queries must keep working: no placeholder token in the headers editor
    assert "defaultHeaders" not in response.text and "isHeadersEditorEnabled: true" in response.text


async def test_the_default_query_runs_anonymously(client: GraphQLClient, demo: AsyncEngine) -> None:
    page = (await client.http.get("/graphql", headers=HTML)).text
    [query] = re.findall(r"const DEFAULT_QUERY = `(.*?)`;", page, re.DOTALL)
    assert "Authorization" in query and "Bearer" in query
    data = await client.data(query)
    assert data["channels"] and data["products"]["totalCount"] > 0


async def test_the_files_are_served_with_types_and_long_cache_lifetimes(client: GraphQLClient) -> None:
    for path, integrity in MANIFEST.items():
        response = await client.http.get(f"{ASSETS_PATH}/{path}")
        assert response.status_code == 200 and sri(response.content) == integrity
        media_type = "text/css" if path.endswith(".css") else "text/javascript"
        assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
    for other in ("manifest.json", "react@18.2.0/LICENSE", "../graphiql.py", "..%2F..%2Fsettings.py"):
        assert (await client.http.get(f"{ASSETS_PATH}/{other}")).status_code == 404


async def test_a_mirror_serves_the_same_files(engine: AsyncEngine, settings: Settings) -> None:
    mirror = "https://npm.intranet.example/npm"
    async with http_client(engine, settings, graphiql_assets_url=mirror) as http:
        response = await http.get("/graphql", headers=HTML)
    assert sorted(ASSET_TAG.findall(response.text)) == sorted((f"{mirror}/{p}", i) for p, i in MANIFEST.items())
    policy = csp(response)
    assert policy["script-src"].startswith(f"'self' {mirror}/ 'sha256-")
    assert policy["style-src"] == f"'self' {mirror}/ 'unsafe-inline'"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "//unpkg.com",
        "https://a.example; script-src *",
        "https://a.example/'unsafe-eval'",
        'https://a.example/"><script>',
    ],
)
def test_a_mirror_url_cannot_widen_the_policy(url: str) -> None:
    with pytest.raises(ValidationError, match="graphiql_assets_url"):
        Settings(graphiql_assets_url=url, _env_file=None)
    assert Settings(graphiql_assets_url=" https://unpkg.com/ ", _env_file=None).graphiql_assets_url == (
        "https://unpkg.com"
    )


async def test_no_files_when_graphiql_is_off(engine: AsyncEngine, settings: Settings) -> None:
    path = next(iter(MANIFEST))
    async with http_client(engine, settings, graphiql=False) as http:
        assert (await http.get(f"{ASSETS_PATH}/{path}")).status_code == 404
