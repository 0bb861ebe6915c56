"""Pillow behind the domain's `ImageCodec` (domain/catalog/media.py): what an uploaded file is, and
thumbnails of stored images. Decoding is CPU work, so it runs in a worker thread.

Only the header is read before the limits are known to hold: `inspect` decodes the whole image
only when it has at most `max_pixels` pixels, and Pillow's own decompression-bomb guard refuses
anything past twice its default before that (reported as too many pixels).
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.catalog.media import ImageInfo, ImageRejected

_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80},
    "GIF": {},
}


def _inspect(data: bytes, max_pixels: int) -> ImageInfo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limits decide
            with Image.open(io.BytesIO(data)) as image:
                info = ImageInfo(image.format or "", image.width, image.height)
                if 0 < image.width * image.height <= max_pixels:
                    image.load()  # to the end: a truncated or damaged file fails here
    except Image.DecompressionBombError as e:
        raise ImageRejected("The image has too many pixels.") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageRejected("The file is not a readable image.") from e
    return info


def _thumbnail(data: bytes, size: int) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # stored images passed the limits
        with Image.open(io.BytesIO(data)) as source:
            image_format = source.format or "PNG"
            if image_format == "JPEG":
                source.draft("RGB", (size, size))  # decode at 1/2, 1/4 or 1/8 scale, still at least `size`
            image = ImageOps.exif_transpose(source)  # phones store portraits sideways, with a flag
            if image.mode == "P" or (image_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK")):
                image = image.convert("RGBA" if image_format != "JPEG" else "RGB")
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, image_format, **_SAVE_OPTIONS.get(image_format, {}))
    return out.getvalue()


class PillowImages:
    """The `ImageCodec` of the server."""

    async def inspect(self, data: bytes, max_pixels: int) -> ImageInfo:
        return await asyncio.to_thread(_inspect, data, max_pixels)

    async def thumbnail(self, data: bytes, size: int) -> bytes:
        return await asyncio.to_thread(_thumbnail, data, size)
