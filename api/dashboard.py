"""The data centre's dashboard: a page at GET /dashboard drawing sales by day and by store.

The page (api/dashboard.html) holds no script and no style of its own: it loads
api/static/dashboard/dashboard.{css,js} and Chart.js, vendored from npm (`npm pack chart.js@<version>`,
the UMD build and its LICENSE.md under `chart.js@<version>/`) and pinned by sha384 in
api/static/dashboard/manifest.json, which tests/api/test_dashboard.py checks. The script signs a
staff user in (`staffTokenCreate`) or takes a pasted access token and asks `POST /graphql` for
`salesReport` with it, so the API's rules decide what it shows (a store manager sees their store).

The content security policy admits scripts, styles and connections to this server only, with no
inline script or style, no frames, and forms that submit nowhere (the script handles them). Every
file carries its SRI hash in the page. Chart.js is served under its versioned path, kept for a year;
the page's own script and style change with this code, so browsers revalidate them (their ETag is
their hash: 304 while unchanged).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).parent / "static" / "dashboard"
ASSETS_PATH = "/static/dashboard"
VENDORED: dict[str, str] = json.loads((STATIC / "manifest.json").read_text())
OWN = ("dashboard.css", "dashboard.js")  # the page's own style and script, loaded after the vendored files
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
IMMUTABLE = "public, max-age=31536000, immutable"  # the path names the version
REVALIDATE = "no-cache"  # kept, but checked against its ETag before each use
_TEMPLATE = (Path(__file__).parent / "dashboard.html").read_text()

POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the favicon is a data: URL
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",  # the script handles the forms; nothing is ever submitted as a page
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def manifest() -> dict[str, str]:
    """Every file the page loads, in load order, with its sha384: Chart.js first, then the page's own."""
    return VENDORED | {name: sri((STATIC / name).read_bytes()) for name in OWN}


def dashboard_page() -> str:
    """The page with its stylesheets and scripts tagged with their paths on this server and SRI."""
    styles, scripts = [], []
    for path, integrity in manifest().items():
        url = html.escape(f"{ASSETS_PATH}/{path}")
        if path.endswith(".css"):
            styles.append(f'    <link rel="stylesheet" href="{url}" integrity="{integrity}" />')
        else:
            scripts.append(f'    <script src="{url}" integrity="{integrity}" defer></script>')
    return _TEMPLATE.replace("{{styles}}", "\n".join(styles)).replace("{{scripts}}", "\n".join(scripts))


def dashboard_routes() -> list[Route]:
    """GET /dashboard and its files; anything else under the files' path is 404."""
    page = dashboard_page()
    files = manifest()

    async def show(_request: Request) -> Response:
        return HTMLResponse(page, headers=HEADERS)

    async def asset(request: Request) -> Response:
        path = request.path_params["path"]
        if path not in files:
            return PlainTextResponse("Not found", status_code=404)
        headers = {
            "Cache-Control": IMMUTABLE if path in VENDORED else REVALIDATE,
            "ETag": f'"{files[path]}"',  # the content's hash: a revalidation costs no body while it holds
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        if headers["ETag"] in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return FileResponse(STATIC / path, media_type=MEDIA_TYPES[Path(path).suffix], headers=headers)

    return [
        Route("/dashboard", show, methods=["GET", "HEAD"]),
        Route(ASSETS_PATH + "/{path:path}", asset, methods=["GET", "HEAD"]),
    ]
