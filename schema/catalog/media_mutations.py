"""Product media mutations (staff with MANAGE_CATALOG): `productMediaAdd`, `productMediaUpdate`,
`productMediaReorder` and `productMediaDelete`.

`productMediaAdd` takes an image address, or a file sent by the GraphQL multipart request
specification (`input.file`, an `Upload`). The file is read (at most one byte past the limit) and
checked before the transaction opens; the use case stores it once the product is known to exist.
A deleted image's files are removed after its deletion commits.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from domain.catalog import media_services
from domain.catalog.media import CheckedImage
from domain.catalog.media_services import MediaAdd, MediaUpdate
from domain.errors import Code, DomainError, input_field
from schema.catalog.media_types import ProductMedia
from schema.catalog.types import Product
from schema.context import Info
from schema.errors import UserError, run_mutation, run_prepared_mutation, user_errors_field
from schema.relay import key_of

ProductId = Annotated[strawberry.ID, strawberry.argument(description="The product.")]
MediaId = Annotated[strawberry.ID, strawberry.argument(description="The image.")]
MediaIds = Annotated[
    list[strawberry.ID], strawberry.argument(description="Every image of the product, once each, in the new order.")
]


@strawberry.input(description="A new image of a product: an address (`url`) or an uploaded `file`, with alt text.")
class ProductMediaInput:
    url: str | None = strawberry.field(default=None, description="An http(s) address of the image.")
    alt: str | None = strawberry.field(
        default=None, description="What the image shows, for shoppers who cannot see it: required, not blank."
    )
    variant_id: strawberry.ID | None = strawberry.field(
        default=None, description="The variant the image shows (a colour), when it is one variant's."
    )
    file: Upload | None = strawberry.field(
        default=None,
        description="The image file, sent by the GraphQL multipart request specification: JPEG, PNG, WebP or "
        "GIF, checked by its content, within the server's size and pixel limits.",
    )


@strawberry.input(description="Changes to an image; omitted fields stay as they are.")
class ProductMediaUpdateInput:
    alt: str | None = strawberry.field(default=None, description="New alt text; cannot be blank.")
    sort_order: int | None = strawberry.field(
        default=None, description="Move the image to this position among the product's images (0 is first)."
    )


NewMedia = Annotated[ProductMediaInput, strawberry.argument(description="The image and its alt text.")]
MediaChanges = Annotated[ProductMediaUpdateInput, strawberry.argument(description="What to change.")]


@strawberry.type(description="Result of `productMediaAdd`.")
class ProductMediaAddPayload:
    media: ProductMedia | None = strawberry.field(description="The new image, last in the product's order.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productMediaUpdate`.")
class ProductMediaUpdatePayload:
    media: ProductMedia | None = strawberry.field(description="The image as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productMediaReorder`.")
class ProductMediaReorderPayload:
    product: Product | None = strawberry.field(description="The product, its images in the new order.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productMediaDelete`.")
class ProductMediaDeletePayload:
    media: ProductMedia | None = strawberry.field(description="The image as it was before deletion.")
    user_errors: list[UserError] = user_errors_field()


async def _media(info: Info, media_id: int | None) -> ProductMedia | None:
    row = await info.context.loaders.media_by_id.load(media_id) if media_id is not None else None
    return ProductMedia.from_row(row, info.context.services.media) if row else None


async def _read(file: Any, limit: int) -> bytes:
    """Up to `limit` bytes of an upload; a variable that is not a file part is INVALID."""
    read = getattr(file, "read", None)
    if read is None:
        raise DomainError(Code.INVALID, "Send the file as a part of a multipart request.", input_field("file"))
    data = await read(limit)
    return bytes(data)


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="Add an image to a product, by address or by upload. Staff with the manage-catalogue "
        "permission only."
    )
    async def product_media_add(self, info: Info, product_id: ProductId, input: NewMedia) -> ProductMediaAddPayload:
        ctx = info.context
        services, principal = ctx.services, ctx.principal
        variant_id = None if input.variant_id is None else key_of(input.variant_id, "ProductVariant")
        cmd = MediaAdd(key_of(product_id, "Product"), input.alt, input.url, variant_id)

        async def check() -> CheckedImage | None:
            if input.file is None:
                return None
            data = await _read(input.file, services.image_limits.max_bytes + 1)
            return await media_services.check_upload(principal, services.images, data, services.image_limits)

        media_id, errors = await run_prepared_mutation(
            info, check, lambda upload: media_services.add_media(ctx.uow, services.media, principal, cmd, upload)
        )
        return ProductMediaAddPayload(media=await _media(info, media_id), user_errors=errors)

    @strawberry.mutation(description="Change an image's alt text or its position among the product's images.")
    async def product_media_update(self, info: Info, id: MediaId, input: MediaChanges) -> ProductMediaUpdatePayload:
        cmd = MediaUpdate(key_of(id, "ProductMedia"), input.alt, input.sort_order)
        media_id, errors = await run_mutation(
            info, lambda: media_services.update_media(info.context.uow, info.context.principal, cmd)
        )
        return ProductMediaUpdatePayload(media=await _media(info, media_id), user_errors=errors)

    @strawberry.mutation(description="Put a product's images in a new order.")
    async def product_media_reorder(
        self, info: Info, product_id: ProductId, media_ids: MediaIds
    ) -> ProductMediaReorderPayload:
        key, order = key_of(product_id, "Product"), [key_of(m, "ProductMedia") for m in media_ids]
        done, errors = await run_mutation(
            info, lambda: media_services.reorder_media(info.context.uow, info.context.principal, key, order)
        )
        row = await info.context.loaders.product_by_id.load(done) if done is not None else None
        return ProductMediaReorderPayload(product=Product.from_model(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="Delete an image; an uploaded file and its thumbnails go with it.")
    async def product_media_delete(self, info: Info, id: MediaId) -> ProductMediaDeletePayload:
        key = key_of(id, "ProductMedia")
        before = await _media(info, key)
        removed, errors = await run_mutation(
            info, lambda: media_services.delete_media(info.context.uow, info.context.principal, key)
        )
        if removed is not None:
            await media_services.discard_files(info.context.services.media, removed.key)
        return ProductMediaDeletePayload(media=None if errors else before, user_errors=errors)
