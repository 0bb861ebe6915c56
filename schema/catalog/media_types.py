"""`ProductMedia`: an image of a product, as the storefront shows it.

The object is built from a row of `db.media.MEDIA_COLUMNS` with its address already worked out
(`from_row`), so `url`, `alt` and `sortOrder` are plain attributes: a listing with an image per
product pays no resolver for them. `thumbnail(size:)` is the address of a smaller copy, made on
first request by the app (api/media_route.py); an image given by address has no stored file, and
its thumbnail is the address itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import strawberry

from domain.catalog.media import MediaStorage, thumbnail_key, thumbnail_size
from schema.context import Info
from schema.relay import Node

Size = Annotated[
    int,
    strawberry.argument(
        description="Pixels of the longer side wanted; served at the next of 64, 128, 256, 512 or 1024 "
        "(at most 1024), never larger than the original."
    ),
]


@strawberry.type(description="An image of a product (or of one of its variants), in the product's order.")
class ProductMedia(Node):
    url: str = strawberry.field(description="Where the image is: on this server's media address, or elsewhere.")
    alt: str = strawberry.field(description="What the image shows, for shoppers who cannot see it.")
    sort_order: int = strawberry.field(description="Position among the product's images; 0 is first.")
    width: int | None = strawberry.field(description="Pixels wide, for uploaded images; null for an address.")
    height: int | None = strawberry.field(description="Pixels high, for uploaded images; null for an address.")
    product_id: strawberry.Private[int]
    key: strawberry.Private[str | None]

    @strawberry.field(description="Address of a copy that fits in `size` x `size` pixels.")
    def thumbnail(self, info: Info, size: Size) -> str:
        if self.key is None:
            return self.url
        return info.context.services.media.url(thumbnail_key(self.key, thumbnail_size(size)))

    @classmethod
    def from_row(cls, row: Any, storage: MediaStorage) -> ProductMedia:
        return cls(
            pk=row.id,
            url=row.url if row.storage_key is None else storage.url(row.storage_key),
            alt=row.alt,
            sort_order=row.sort_order,
            width=row.width,
            height=row.height,
            product_id=row.product_id,
            key=row.storage_key,
        )

    @classmethod
    def many(cls, info: Info, rows: Iterable[Any]) -> list[ProductMedia]:
        storage = info.context.services.media
        return [cls.from_row(r, storage) for r in rows]
