"""GraphiQL, served by this server with no network beyond it.

The page (api/graphiql.html) loads React, GraphiQL and its explorer plugin from the copies in
api/static/graphiql/, laid out as in their npm packages (`<package>@<version>/<path>`, taken
with `npm pack`, each with its LICENSE). manifest.json lists the files the page loads, in load
order, with their sha384: the page carries it as SRI `integrity`, and tests/api/test_graphiql.py
checks the files against it. With GRAPHIQL_ASSETS_URL the page loads the same paths from a mirror
of that layout (unpkg, jsDelivr's /npm, an intranet mirror); SRI holds it to the same bytes.

The content security policy admits scripts and styles from this server (or the mirror) only, plus
the page's one inline script by hash. The files are served under versioned paths, so browsers may
keep them for a year.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/static/graphiql"
MANIFEST: dict[str, str] = json.loads((STATIC / "manifest.json").read_text())
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
_TEMPLATE = (Path(__file__).parent / "graphiql.html").read_text()
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def graphiql_page(assets_url: str | None) -> tuple[str, dict[str, str]]:
    """The page loading its assets from `assets_url` (a mirror) or this server, and the security
    headers to serve it with."""
    base = assets_url or ASSETS_PATH
    styles, scripts = [], []
    for path, integrity in MANIFEST.items():
        url = html.escape(f"{base}/{path}")
        if path.endswith(".css"):
            styles.append(f'    <link rel="stylesheet" href="{url}" integrity="{integrity}" crossorigin="anonymous" />')
        else:
            scripts.append(f'    <script src="{url}" integrity="{integrity}" crossorigin="anonymous"></script>')
    page = _TEMPLATE.replace("{{styles}}", "\n".join(styles)).replace("{{scripts}}", "\n".join(scripts))
    inline = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(page)
    )
    sources = "'self'" + (f" {assets_url}/" if assets_url else "")
    policy = "; ".join(
        (
            "default-src 'self'",
            f"script-src {sources} {inline}",
            f"style-src {sources} 'unsafe-inline'",  # GraphiQL and its editor set inline styles
            "font-src 'self' data:",  # GraphiQL's fonts are data: URLs in its stylesheet
            "img-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }
    return page, headers


async def _asset(request: Request) -> Response:
    """One file of the manifest; anything else under the path is 404."""
    path = request.path_params["path"]
    if path not in MANIFEST:
        return PlainTextResponse("Not found", status_code=404)
    return FileResponse(
        STATIC / path,
        media_type=MEDIA_TYPES[Path(path).suffix],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",  # the path names the version
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


ASSET_ROUTE = Route(ASSETS_PATH + "/{path:path}", _asset, methods=["GET", "HEAD"])
