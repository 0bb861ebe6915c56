"""Inputs of the staff catalogue mutations, and how each becomes a domain command.

Ids arrive as Relay global ids, read with `schema.relay.key_of`: one that is malformed or names
another type becomes a key no row has, so the use case reports it as NOT_FOUND at its field path
together with every other input error. In update inputs, an omitted or null field is left as
it is, except fields that can be cleared (`Maybe`): omitted leaves them, null clears them.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.catalog import commands as cmd
from domain.errors import Code, DomainError
from schema.relay import key_of


def _optional_key(global_id: str | None, type_name: str) -> int | None:
    return None if global_id is None else key_of(global_id, type_name)


def _kept(value: strawberry.Maybe[str | None]) -> str | cmd.Keep | None:
    """Omitted: keep the stored value; null: clear it."""
    return cmd.KEEP if value is None else value.value


def _kept_key(value: strawberry.Maybe[strawberry.ID | None], type_name: str) -> int | cmd.Keep | None:
    return cmd.KEEP if value is None else _optional_key(value.value, type_name)


NAME = "Display name; cannot be blank."
SLUG = "URL-safe unique key: lower-case letters, digits and single hyphens."
DESCRIPTION = "Longer text for the storefront page; blank means none."


@strawberry.input(description="A new category.")
class CategoryCreateInput:
    name: str = strawberry.field(description=NAME)
    slug: str | None = strawberry.field(default=None, description=SLUG + " Made from the name when omitted.")
    description: str | None = strawberry.field(default=None, description=DESCRIPTION)
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The parent category; omitted or null for a top-level category."
    )

    def to_command(self) -> cmd.CategoryCreate:
        return cmd.CategoryCreate(
            name=self.name,
            slug=self.slug,
            description=self.description,
            parent_id=_optional_key(self.parent_id, "Category"),
        )


@strawberry.input(description="Changes to a category; omitted fields stay as they are.")
class CategoryUpdateInput:
    name: str | None = strawberry.field(default=None, description=NAME)
    slug: str | None = strawberry.field(default=None, description=SLUG + " Changing it breaks old links.")
    description: strawberry.Maybe[str | None] = strawberry.field(description=DESCRIPTION + " Null clears it.")
    parent_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Move the category under this one; null moves it to the top of the tree. A category cannot "
        "move under itself or its own subcategories (CATEGORY_CYCLE)."
    )

    def to_command(self, category_id: int) -> cmd.CategoryUpdate:
        return cmd.CategoryUpdate(
            category_id=category_id,
            name=self.name,
            slug=self.slug,
            description=_kept(self.description),
            parent_id=_kept_key(self.parent_id, "Category"),
        )


@strawberry.input(
    description="A new product. Add variants with `productVariantCreate`, price them with "
    "`productVariantPriceSet` and publish with `productChannelListingUpdate`."
)
class ProductCreateInput:
    name: str = strawberry.field(description=NAME)
    slug: str | None = strawberry.field(default=None, description=SLUG + " Made from the name when omitted.")
    description: str | None = strawberry.field(default=None, description=DESCRIPTION)
    category_id: strawberry.ID | None = strawberry.field(default=None, description="The product's category.")

    def to_command(self) -> cmd.ProductCreate:
        return cmd.ProductCreate(
            name=self.name,
            slug=self.slug,
            description=self.description,
            category_id=_optional_key(self.category_id, "Category"),
        )


@strawberry.input(description="Changes to a product; omitted fields stay as they are.")
class ProductUpdateInput:
    name: str | None = strawberry.field(default=None, description=NAME)
    slug: str | None = strawberry.field(default=None, description=SLUG + " Changing it breaks old links.")
    description: strawberry.Maybe[str | None] = strawberry.field(description=DESCRIPTION + " Null clears it.")
    category_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="The product's category; null leaves the product without one."
    )

    def to_command(self, product_id: int) -> cmd.ProductUpdate:
        return cmd.ProductUpdate(
            product_id=product_id,
            name=self.name,
            slug=self.slug,
            description=_kept(self.description),
            category_id=_kept_key(self.category_id, "Category"),
        )


@strawberry.input(description="A new variant of a product.")
class ProductVariantCreateInput:
    product_id: strawberry.ID = strawberry.field(description="The product the variant belongs to.")
    sku: str = strawberry.field(
        description="Stock keeping unit, unique across the catalogue: 1 to 64 letters, "
        "digits or . _ / -, starting with a letter or digit."
    )
    name: str = strawberry.field(description='Display name ("M / Blue"); cannot be blank.')

    def to_command(self) -> cmd.VariantCreate:
        return cmd.VariantCreate(product_id=key_of(self.product_id, "Product"), sku=self.sku, name=self.name)


@strawberry.input(description="Changes to a variant; omitted fields stay as they are.")
class ProductVariantUpdateInput:
    sku: str | None = strawberry.field(default=None, description="A new SKU, unique across the catalogue.")
    name: str | None = strawberry.field(default=None, description="Display name; cannot be blank.")

    def to_command(self, variant_id: int) -> cmd.VariantUpdate:
        return cmd.VariantUpdate(variant_id=variant_id, sku=self.sku, name=self.name)


@strawberry.input(description="Whether a product is published in a channel.")
class ProductChannelListingUpdateInput:
    channel: str = strawberry.field(description="Slug of the channel.")
    is_published: bool = strawberry.field(
        description="True shows the product to the channel's storefronts; false hides it from everyone but staff."
    )

    def to_command(self, product_id: int) -> cmd.ListingUpdate:
        return cmd.ListingUpdate(product_id=product_id, channel=self.channel, is_published=self.is_published)


@strawberry.input(description="A variant's price in a channel.")
class ProductVariantPriceSetInput:
    channel: str = strawberry.field(description="Slug of the channel.")
    price: strawberry.Maybe[Decimal | None] = strawberry.field(
        description='Price in the channel\'s currency with at most its decimal places ("129.90" in CNY); '
        "null stops selling the variant in the channel. Required."
    )

    def to_command(self, variant_id: int) -> cmd.PriceSet:
        if self.price is None:
            raise DomainError(
                Code.REQUIRED, "Give a price, or null to stop selling the variant in the channel.", ["input", "price"]
            )
        return cmd.PriceSet(variant_id=variant_id, channel=self.channel, price=self.price.value)
