"""Variant administration mutations (staff with MANAGE_CATALOG): variants and their channel prices.

A price change keeps the product's price range in that channel (what storefront lists filter
and sort by) in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.catalog import services
from schema.catalog.admin_inputs import (
    ProductVariantCreateInput,
    ProductVariantPriceSetInput,
    ProductVariantUpdateInput,
)
from schema.catalog.types import ProductVariant
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.permissions import require
from schema.relay import key_of

NewVariant = Annotated[ProductVariantCreateInput, strawberry.argument(description="The new variant.")]
VariantChanges = Annotated[ProductVariantUpdateInput, strawberry.argument(description="What to change.")]
Price = Annotated[ProductVariantPriceSetInput, strawberry.argument(description="The channel and the price there.")]
VariantId = Annotated[strawberry.ID, strawberry.argument(description="The product variant.")]


@strawberry.type(description="Result of `productVariantCreate`.")
class ProductVariantCreatePayload:
    product_variant: ProductVariant | None = strawberry.field(description="The new variant.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productVariantUpdate`.")
class ProductVariantUpdatePayload:
    product_variant: ProductVariant | None = strawberry.field(description="The variant as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productVariantDelete`.")
class ProductVariantDeletePayload:
    product_variant: ProductVariant | None = strawberry.field(description="The variant as it was before deletion.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `productVariantPriceSet`.")
class ProductVariantPriceSetPayload:
    product_variant: ProductVariant | None = strawberry.field(
        description="The variant, priced in the channel of the input."
    )
    user_errors: list[UserError] = user_errors_field()


async def _variant(info: Info, variant_id: int | None, channel: str | None = None) -> ProductVariant | None:
    row = await info.context.loaders.variant_by_id.load(variant_id) if variant_id is not None else None
    return ProductVariant.from_model(row, channel) if row else None


@strawberry.type
class VariantMutation:
    @strawberry.mutation(
        description="Add a variant to a product. SKUs are unique across the catalogue "
        "(DUPLICATE). Staff with the manage-catalogue permission only."
    )
    async def product_variant_create(self, info: Info, input: NewVariant) -> ProductVariantCreatePayload:
        require(info, Permission.MANAGE_CATALOG)
        variant_id, errors = await run_mutation(
            info, lambda: services.create_variant(info.context.uow, input.to_command())
        )
        return ProductVariantCreatePayload(product_variant=await _variant(info, variant_id), user_errors=errors)

    @strawberry.mutation(description="Change a variant's SKU or name.")
    async def product_variant_update(
        self, info: Info, id: VariantId, input: VariantChanges
    ) -> ProductVariantUpdatePayload:
        require(info, Permission.MANAGE_CATALOG)
        variant_id, errors = await run_mutation(
            info, lambda: services.update_variant(info.context.uow, input.to_command(key_of(id, "ProductVariant")))
        )
        return ProductVariantUpdatePayload(product_variant=await _variant(info, variant_id), user_errors=errors)

    @strawberry.mutation(description="Delete a variant with its prices; the product's price ranges follow.")
    async def product_variant_delete(self, info: Info, id: VariantId) -> ProductVariantDeletePayload:
        require(info, Permission.MANAGE_CATALOG)
        key = key_of(id, "ProductVariant")
        before = await _variant(info, key)
        _, errors = await run_mutation(info, lambda: services.delete_variant(info.context.uow, key))
        return ProductVariantDeletePayload(product_variant=None if errors else before, user_errors=errors)

    @strawberry.mutation(
        description="Set a variant's price in a channel, in the channel's currency, or remove "
        "it (null price) to stop selling the variant there. The product's price range in the "
        "channel follows; a product priced for the first time in a channel gets an "
        "unpublished listing there."
    )
    async def product_variant_price_set(self, info: Info, id: VariantId, input: Price) -> ProductVariantPriceSetPayload:
        require(info, Permission.MANAGE_CATALOG)
        variant_id, errors = await run_mutation(
            info, lambda: services.set_variant_price(info.context.uow, input.to_command(key_of(id, "ProductVariant")))
        )
        return ProductVariantPriceSetPayload(
            product_variant=await _variant(info, variant_id, input.channel), user_errors=errors
        )
