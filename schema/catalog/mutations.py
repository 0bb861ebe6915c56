"""Catalogue administration mutations (staff with MANAGE_CATALOG).

Products and their channel listings are here; categories and variants have their own
modules, merged into `CatalogMutation` below.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.catalog import media_services, services
from schema.catalog.admin_inputs import (
    ProductChannelListingUpdateInput,
    ProductCreateInput,
    ProductUpdateInput,
)
from schema.catalog.attribute_mutations import AttributeMutation
from schema.catalog.category_mutations import CategoryMutation
from schema.catalog.media_mutations import MediaMutation
from schema.catalog.types import Product
from schema.catalog.variant_mutations import VariantMutation
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.permissions import require
from schema.relay import key_of

NewProduct = Annotated[ProductCreateInput, strawberry.argument(description="The new product.")]
ProductChanges = Annotated[ProductUpdateInput, strawberry.argument(description="What to change.")]
Listing = Annotated[
    ProductChannelListingUpdateInput,
    strawberry.argument(description="The channel and whether the product is published there."),
]
ProductId = Annotated[strawberry.ID, strawberry.argument(description="The product.")]


@strawberry.type(description="Result of `productCreate`.")
class ProductCreatePayload:
    product: Product | None = strawberry.field(description="The new product (unpublished everywhere).")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productUpdate`.")
class ProductUpdatePayload:
    product: Product | None = strawberry.field(description="The product as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productDelete`.")
class ProductDeletePayload:
    product: Product | None = strawberry.field(description="The product as it was before deletion.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productChannelListingUpdate`.")
class ProductChannelListingUpdatePayload:
    product: Product | None = strawberry.field(description="The product, seen in the channel of the input.")
    user_errors: list[UserError] = user_errors_field()


async def _product(info: Info, product_id: int | None, channel: str | None = None) -> Product | None:
    row = await info.context.loaders.product_by_id.load(product_id) if product_id is not None else None
    return Product.from_model(row, channel) if row else None


@strawberry.type
class ProductMutation:
    @strawberry.mutation(
        description="Create a product, unpublished in every channel. Staff with the manage-catalogue permission only."
    )
    async def product_create(self, info: Info, input: NewProduct) -> ProductCreatePayload:
        require(info, Permission.MANAGE_CATALOG)
        product_id, errors = await run_mutation(
            info, lambda: services.create_product(info.context.uow, input.to_command())
        )
        return ProductCreatePayload(product=await _product(info, product_id), user_errors=errors)

    @strawberry.mutation(description="Change a product's name, slug, description or category.")
    async def product_update(self, info: Info, id: ProductId, input: ProductChanges) -> ProductUpdatePayload:
        require(info, Permission.MANAGE_CATALOG)
        product_id, errors = await run_mutation(
            info, lambda: services.update_product(info.context.uow, input.to_command(key_of(id, "Product")))
        )
        return ProductUpdatePayload(product=await _product(info, product_id), user_errors=errors)

    @strawberry.mutation(description="Delete a product with its variants, prices, listings and images.")
    async def product_delete(self, info: Info, id: ProductId) -> ProductDeletePayload:
        require(info, Permission.MANAGE_CATALOG)
        key = key_of(id, "Product")
        before = await _product(info, key)
        images = await info.context.loaders.media_by_product.load(key)  # their files go after the commit
        _, errors = await run_mutation(info, lambda: services.delete_product(info.context.uow, key))
        if not errors:
            for image in images:
                await media_services.discard_files(info.context.services.media, image.storage_key)
        return ProductDeletePayload(product=None if errors else before, user_errors=errors)

    @strawberry.mutation(
        description="Publish a product in a channel (storefronts show it; it can be bought "
        "once a variant is priced there) or unpublish it (only staff see it)."
    )
    async def product_channel_listing_update(
        self, info: Info, id: ProductId, input: Listing
    ) -> ProductChannelListingUpdatePayload:
        require(info, Permission.MANAGE_CATALOG)
        product_id, errors = await run_mutation(
            info, lambda: services.update_product_listing(info.context.uow, input.to_command(key_of(id, "Product")))
        )
        return ProductChannelListingUpdatePayload(
            product=await _product(info, product_id, input.channel), user_errors=errors
        )


@strawberry.type
class CatalogMutation(ProductMutation, VariantMutation, CategoryMutation, MediaMutation, AttributeMutation):
    """Every catalogue administration mutation."""
