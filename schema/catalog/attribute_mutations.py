"""`productVariantAttributesSet` (staff with MANAGE_CATALOG): a variant's colour, size and other
attributes, which `products(filter: {attributes: ...})` filters by."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.catalog.attributes import set_variant_attributes
from schema.catalog.types import ProductVariant
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.relay import key_of


@strawberry.input(description="One attribute of a variant.")
class VariantAttributeInput:
    name: str = strawberry.field(description="A lower-case key shared across the catalogue: `colour`, `size`.")
    value: str = strawberry.field(description='What the shop shows: "白色", "M" (1 to 100 characters).')


VariantId = Annotated[strawberry.ID, strawberry.argument(description="The product variant.")]
Attributes = Annotated[
    list[VariantAttributeInput],
    strawberry.argument(description="Every attribute the variant has (at most 20, each name once); [] clears them."),
]


@strawberry.type(description="Result of `productVariantAttributesSet`.")
class ProductVariantAttributesSetPayload:
    product_variant: ProductVariant | None = strawberry.field(description="The variant with its new attributes.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class AttributeMutation:
    @strawberry.mutation(description="Replace a variant's attributes. Staff with the manage-catalogue permission only.")
    async def product_variant_attributes_set(
        self, info: Info, id: VariantId, attributes: Attributes
    ) -> ProductVariantAttributesSetPayload:
        key, pairs = key_of(id, "ProductVariant"), [(a.name, a.value) for a in attributes]
        variant_id, errors = await run_mutation(
            info, lambda: set_variant_attributes(info.context.uow, info.context.principal, key, pairs)
        )
        row = await info.context.loaders.variant_by_id.load(variant_id) if variant_id is not None else None
        return ProductVariantAttributesSetPayload(
            product_variant=ProductVariant.from_model(row) if row else None, user_errors=errors
        )
