"""Use cases of product media: `productMediaAdd` (by address or upload), `productMediaUpdate`,
`productMediaReorder` and `productMediaDelete`, for staff who manage the catalogue.

An upload is checked in two steps: `check_upload` reads the file's header and applies the limits
before any transaction opens (decoding is slow work that must not hold one), then `add_media`
stores the file only once the product (and variant) are known to exist, and writes the row in the
mutation's transaction. A deleted image's files go after the commit (`discard_files`), so a
rolled-back deletion never loses an image still shown.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from domain.access.model import Principal
from domain.catalog import media as rules
from domain.catalog.media import CheckedImage, ImageCodec, ImageLimits, ImageRejected, MediaStorage
from domain.catalog.services import InputErrors, not_found
from domain.errors import Code, DomainError, input_field


@dataclass(frozen=True, slots=True)
class NewMedia:
    """A row to write: an address (`url`) or a stored file (`key` with what the upload showed)."""

    product_id: int
    variant_id: int | None
    alt: str
    url: str | None = None
    key: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """What the use cases need of an existing image."""

    id: int
    product_id: int
    key: str | None


class MediaRepository(Protocol):
    async def product_exists(self, product_id: int) -> bool: ...
    async def variant_product(self, variant_id: int) -> int | None: ...
    async def media(self, media_id: int) -> StoredMedia | None: ...
    async def media_ids(self, product_id: int) -> list[int]:
        """The product's images in their order."""
        ...

    async def add_media(self, new: NewMedia) -> int:
        """Write the image last in its product's order."""
        ...

    async def set_alt(self, media_id: int, alt: str) -> None: ...
    async def set_order(self, product_id: int, media_ids: list[int]) -> None:
        """Number the product's images 0, 1, ... in the order given."""
        ...

    async def delete_media(self, media_id: int) -> None: ...


class MediaUnitOfWork(Protocol):
    @property
    def media(self) -> MediaRepository: ...


@dataclass(frozen=True, slots=True)
class MediaAdd:
    product_id: int
    alt: str | None
    url: str | None
    variant_id: int | None


@dataclass(frozen=True, slots=True)
class MediaUpdate:
    media_id: int
    alt: str | None  # None: keep
    sort_order: int | None  # the new position; None: keep


async def check_upload(principal: Principal, codec: ImageCodec, data: bytes, limits: ImageLimits) -> CheckedImage:
    """An uploaded file as an image to store, or INVALID at `input.file`: checked by what its bytes
    are, whatever its name or declared type say. The caller reads at most `max_bytes + 1` bytes."""
    rules.check_manages_catalogue(principal)
    if len(data) > limits.max_bytes:
        raise DomainError(Code.INVALID, f"The file is over the limit of {limits.max_bytes} bytes.", input_field("file"))
    try:
        info = await codec.inspect(data, limits.max_pixels)
    except ImageRejected as e:
        raise DomainError(Code.INVALID, str(e) or "The file is not a readable image.", input_field("file")) from e
    return rules.check_image(data, info, limits)


async def add_media(
    uow: MediaUnitOfWork, storage: MediaStorage, principal: Principal, cmd: MediaAdd, upload: CheckedImage | None
) -> int:
    """Add an image to a product (and a variant of it): by address or by an upload checked with
    `check_upload`, exactly one of the two; alt text is required."""
    rules.check_manages_catalogue(principal)
    errors = InputErrors()
    alt = errors.value(rules.validate_alt, cmd.alt)
    url: str | None = None
    if (cmd.url is None) == (upload is None):
        errors.add(Code.REQUIRED, "Give either an image address (`url`) or a file, not both.", input_field("url"))
    elif cmd.url is not None:
        url = errors.value(rules.validate_media_url, cmd.url)
    if not await uow.media.product_exists(cmd.product_id):
        errors.items.append(not_found("product", ["productId"]))
    if cmd.variant_id is not None and await uow.media.variant_product(cmd.variant_id) != cmd.product_id:
        errors.add(Code.NOT_FOUND, "No such variant of this product.", input_field("variantId"))
    errors.raise_any()
    assert alt is not None
    if upload is None:
        return await uow.media.add_media(NewMedia(cmd.product_id, cmd.variant_id, alt, url=url))
    key = rules.media_key(cmd.product_id, secrets.token_hex(16), upload.extension)
    await storage.put(key, upload.data, upload.content_type)
    try:
        return await uow.media.add_media(
            NewMedia(
                cmd.product_id,
                cmd.variant_id,
                alt,
                key=key,
                content_type=upload.content_type,
                width=upload.width,
                height=upload.height,
                size_bytes=len(upload.data),
            )
        )
    except BaseException:
        await storage.delete(key)  # no row points at it
        raise


async def _existing(uow: MediaUnitOfWork, media_id: int) -> StoredMedia:
    found = await uow.media.media(media_id)
    if found is None:
        raise not_found("image", ["id"])
    return found


async def update_media(uow: MediaUnitOfWork, principal: Principal, cmd: MediaUpdate) -> int:
    """Change an image's alt text and/or move it to another position in its product's order."""
    rules.check_manages_catalogue(principal)
    media = await _existing(uow, cmd.media_id)
    errors = InputErrors()
    alt = None if cmd.alt is None else errors.value(rules.validate_alt, cmd.alt)
    order = None
    if cmd.sort_order is not None:
        order = errors.value(rules.moved, await uow.media.media_ids(media.product_id), media.id, cmd.sort_order)
    errors.raise_any()
    if alt is not None:
        await uow.media.set_alt(media.id, alt)
    if order is not None:
        await uow.media.set_order(media.product_id, order)
    return media.id


async def reorder_media(uow: MediaUnitOfWork, principal: Principal, product_id: int, media_ids: list[int]) -> int:
    """Put every image of a product in the order given."""
    rules.check_manages_catalogue(principal)
    if not await uow.media.product_exists(product_id):
        raise not_found("product", ["productId"])
    order = rules.reordered(await uow.media.media_ids(product_id), media_ids)
    await uow.media.set_order(product_id, order)
    return product_id


async def delete_media(uow: MediaUnitOfWork, principal: Principal, media_id: int) -> StoredMedia:
    """Remove an image (the others close up); returns it, so its files can be discarded after the commit."""
    rules.check_manages_catalogue(principal)
    media = await _existing(uow, media_id)
    await uow.media.delete_media(media.id)
    await uow.media.set_order(media.product_id, await uow.media.media_ids(media.product_id))  # no gap
    return media


async def discard_files(storage: MediaStorage, key: str | None) -> None:
    """A deleted image's file and every thumbnail made of it (after the deletion committed)."""
    if key is None:
        return
    await storage.delete(key)
    for size in rules.THUMBNAIL_SIZES:
        await storage.delete(rules.thumbnail_key(key, size))
