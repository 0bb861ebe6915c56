"""`GET /media/{key}`: stored product images and their thumbnails, served by the app.

Only keys the domain makes are served (`is_media_key`: no `..`, no other file under the storage
root); anything else is 404. A stored file never changes (its key holds a random token), so answers
carry a year-long, immutable cache lifetime for browsers and CDNs, with `nosniff` and a
sandboxing Content-Security-Policy, since the bytes came from an upload.

A thumbnail (`/media/thumbs/<size>/<key>`, at one of `THUMBNAIL_SIZES`) is made from the original
on its first request and kept in the storage beside it; later requests read it. Two first requests
at once both make it and write the same bytes: harmless.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.catalog.media import (
    CONTENT_TYPES,
    THUMBNAIL_SIZES,
    ImageCodec,
    ImageRejected,
    MediaStorage,
    is_media_key,
)

CACHE_FOREVER = "public, max-age=31536000, immutable"
HEADERS = {
    "Cache-Control": CACHE_FOREVER,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _not_found() -> Response:
    return Response("Not found.", status_code=404, media_type="text/plain", headers={"Cache-Control": "no-store"})


async def _thumbnail(storage: MediaStorage, images: ImageCodec, key: str) -> bytes | None:
    """The thumbnail at `key` (`thumbs/<size>/<original key>`), made and stored on first request."""
    _, size_text, original_key = key.split("/", 2)
    if int(size_text) not in THUMBNAIL_SIZES:
        return None
    made = await storage.get(key)
    if made is not None:
        return made
    original = await storage.get(original_key)
    if original is None:
        return None
    try:
        made = await images.thumbnail(original, int(size_text))
    except ImageRejected:
        return None
    await storage.put(key, made, CONTENT_TYPES[key.rsplit(".", 1)[1]])
    return made


def media_route(storage: MediaStorage, images: ImageCodec) -> Route:
    async def serve(request: Request) -> Response:
        key = request.path_params["key"]
        if not is_media_key(key):
            return _not_found()
        data = await (_thumbnail(storage, images, key) if key.startswith("thumbs/") else storage.get(key))
        if data is None:
            return _not_found()
        return Response(data, media_type=CONTENT_TYPES[key.rsplit(".", 1)[1]], headers=HEADERS)

    return Route("/media/{key:path}", serve, methods=["GET", "HEAD"])
