"""Product media: the rules for images shown with a product, and the interfaces of what keeps and
reads the image files.

An image is either an address the shop already hosts elsewhere (`url`: http or https only) or a
file uploaded to the server, checked by its content (never by its name or declared type): one of
JPEG, PNG, WebP or GIF, at most `ImageLimits.max_bytes` bytes and `max_side` pixels a side, and
never more pixels than `max_pixels` (a small file that decodes to a huge bitmap is refused before
it is decoded). Alt text is required: a storefront image without it fails screen-reader users.

Uploaded files live in a `MediaStorage` under keys this module makes (`products/<id>/<token>.<ext>`),
and thumbnails beside them (`thumbs/<size>/<key>`), made once by an `ImageCodec` on first request
and only at the sizes in `THUMBNAIL_SIZES`, so nobody can fill the storage with arbitrary sizes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.access.model import AccessDenied, Permission, Principal, SignInRequired
from domain.errors import Code, DomainError, input_field

ALT_MAX = 500
URL_MAX = 2000
THUMBNAIL_SIZES = (64, 128, 256, 512, 1024)  # pixels of the longer side
# Formats accepted, as the image decoder names them, with their media type and file extension.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}
# scheme://authority[/path?query#fragment]: the authority (host, optional port) without credentials
_HTTP_URL = re.compile(r"(?i:https?)://(?P<host>[^/?#@:\[\]]+|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?(?:[/?#].*)?", re.S)
_KEY = re.compile(r"(?:thumbs/[0-9]{1,4}/)?products/[0-9]{1,19}/[0-9a-f]{32}\.(?:jpg|png|webp|gif)")


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int  # of the uploaded file
    max_side: int  # pixels, width and height each
    max_pixels: int  # width x height: what decoding would allocate


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the decoder read of an image's header."""

    format: str  # JPEG, PNG, WEBP, GIF, or whatever else the decoder recognised
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An uploaded image that passed every check, ready to store."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


class ImageRejected(Exception):
    """The decoder could not read the data as an image, found it damaged, or would not decode it
    (too many pixels); the message says which, for the client."""


class ImageCodec(Protocol):
    """Reads image headers and makes thumbnails (Pillow in api/adapters/images.py)."""

    async def inspect(self, data: bytes, max_pixels: int) -> ImageInfo:
        """The format and size of `data`, read from its header; when it has at most `max_pixels`,
        also decoded to the end (a damaged file is refused). `ImageRejected` when it is no image."""
        ...

    async def thumbnail(self, data: bytes, size: int) -> bytes:
        """`data` scaled to fit `size` x `size` (never enlarged), in its own format."""
        ...


class MediaStorage(Protocol):
    """Where uploaded files and their thumbnails are kept, by key; `url` is where clients fetch them."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...


def check_manages_catalogue(principal: Principal) -> None:
    """Media are catalogue data: staff (or apps) with the manage-catalogue permission only."""
    if principal.can(Permission.MANAGE_CATALOG):
        return
    if principal.is_anonymous:
        raise SignInRequired("Authentication is required.")
    raise AccessDenied("You do not have permission to do this.")


def validate_alt(alt: str | None) -> str:
    """Alt text, trimmed: required and not blank (REQUIRED), at most ALT_MAX characters."""
    text = (alt or "").strip()
    if not text:
        raise DomainError(
            Code.REQUIRED, "Describe the image in alt text for shoppers who cannot see it.", input_field("alt")
        )
    if len(text) > ALT_MAX:
        raise DomainError(Code.INVALID, f"Alt text has at most {ALT_MAX} characters.", input_field("alt"))
    return text


def validate_media_url(url: str) -> str:
    """An absolute http(s) address with a host, no credentials, spaces or control characters."""
    text = url.strip()
    if not text or len(text) > URL_MAX or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise DomainError(
            Code.INVALID,
            f"Give an http(s) address of at most {URL_MAX} characters, without spaces.",
            input_field("url"),
        )
    if _HTTP_URL.fullmatch(text) is None:
        raise DomainError(
            Code.INVALID, "Give an absolute http or https address (no user or password in it).", input_field("url")
        )
    return text


def check_image(data: bytes, info: ImageInfo, limits: ImageLimits) -> CheckedImage:
    """The upload as stored, or INVALID: not an accepted format, too large a file, too many pixels."""
    if len(data) > limits.max_bytes:
        raise DomainError(Code.INVALID, f"The file is over the limit of {limits.max_bytes} bytes.", input_field("file"))
    kind = FORMATS.get(info.format)
    if kind is None:
        raise DomainError(Code.INVALID, "Upload a JPEG, PNG, WebP or GIF image.", input_field("file"))
    if info.width < 1 or info.height < 1 or max(info.width, info.height) > limits.max_side:
        raise DomainError(Code.INVALID, f"An image has at most {limits.max_side} pixels a side.", input_field("file"))
    if info.width * info.height > limits.max_pixels:
        raise DomainError(Code.INVALID, f"An image has at most {limits.max_pixels} pixels.", input_field("file"))
    return CheckedImage(data, kind[0], kind[1], info.width, info.height)


def thumbnail_size(requested: int) -> int:
    """The allowed thumbnail size for a request: the smallest of THUMBNAIL_SIZES at least as large
    (a browser scales it down), or the largest."""
    return next((s for s in THUMBNAIL_SIZES if s >= requested), THUMBNAIL_SIZES[-1])


def media_key(product_id: int, token: str, extension: str) -> str:
    """Where an uploaded file of a product is stored: `token` is 32 random hex digits, so keys are
    never guessed or reused, and a stored file never changes (clients may cache it for good)."""
    return f"products/{product_id}/{token}.{extension}"


def thumbnail_key(key: str, size: int) -> str:
    return f"thumbs/{size}/{key}"


def is_media_key(key: str) -> bool:
    """Whether `key` is one this module makes (an original or a thumbnail): the only paths served,
    which rules out `..`, absolute paths and any other file under the storage root."""
    return _KEY.fullmatch(key) is not None


def reordered(current: Sequence[int], wanted: Sequence[int]) -> list[int]:
    """The product's media in the order `wanted` names: every one of them, each once (INVALID)."""
    if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
        raise DomainError(Code.INVALID, "List every image of the product once, in the new order.", ["mediaIds"])
    return list(wanted)


def moved(current: Sequence[int], media_id: int, position: int) -> list[int]:
    """`current` with `media_id` moved to `position` (0 is first; past the end is last)."""
    if position < 0:
        raise DomainError(Code.INVALID, "A position is 0 (first) or more.", input_field("sortOrder"))
    rest = [m for m in current if m != media_id]
    rest.insert(min(position, len(rest)), media_id)
    return rest
