"""Catalogue types: categories, products and variants, priced per channel.

Objects remember the channel they were fetched in (`channel_slug`), so a product listed in
`channel: "pos"` shows its variants' POS prices without the client repeating the argument.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db.models import Category as CategoryModel
from db.models import Product as ProductModel
from db.models import ProductVariant as VariantModel
from domain.access.model import Permission
from schema.channels.types import channel_for
from schema.context import Info
from schema.inventory.types import StockLevel, StockSummary
from schema.money import Money
from schema.relay import Node, register_node

ChannelArg = Annotated[str | None, strawberry.argument(
    description="Channel slug; omitted means the channel the object was fetched in, else the default.")]


@strawberry.type(description="A node of the category tree.")
class Category(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique key.")
    description: str | None = strawberry.field(description="Longer text for category pages.")
    parent_id: strawberry.Private[int | None]

    @strawberry.field(description="The parent category; null at the top of the tree.")
    async def parent(self, info: Info) -> Category | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.category_by_id.load(self.parent_id)
        return Category.from_model(row) if row else None

    @strawberry.field(description="Direct subcategories, by name.")
    async def children(self, info: Info) -> list[Category]:
        return [Category.from_model(c) for c in await info.context.loaders.children_by_category.load(self.pk)]

    @classmethod
    def from_model(cls, m: CategoryModel) -> Category:
        return cls(pk=m.id, name=m.name, slug=m.slug, description=m.description, parent_id=m.parent_id)


@strawberry.type(description="The range of a product's variant prices in a channel.")
class PriceRange:
    start: Money = strawberry.field(description="Lowest variant price.")
    stop: Money = strawberry.field(description="Highest variant price.")


@strawberry.type(description="A product's prices in one channel.")
class ProductPricing:
    price_range: PriceRange = strawberry.field(description="Lowest to highest variant price.")
    currency: str = strawberry.field(description="The channel's currency.")


@strawberry.type(description="Something sold, with one or more variants (sizes, colours).")
class Product(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique key; `product(slug:)` finds it.")
    description: str | None = strawberry.field(description="Longer text for the product page.")
    created_at: datetime = strawberry.field(description="When the product was created.")
    updated_at: datetime = strawberry.field(description="When the product was last changed.")
    category_id: strawberry.Private[int | None]
    channel_slug: strawberry.Private[str | None]

    @strawberry.field(description="The product's category.")
    async def category(self, info: Info) -> Category | None:
        if self.category_id is None:
            return None
        row = await info.context.loaders.category_by_id.load(self.category_id)
        return Category.from_model(row) if row else None

    @strawberry.field(description="The product's variants, in creation order.")
    async def variants(self, info: Info) -> list[ProductVariant]:
        rows = await info.context.loaders.variants_by_product.load(self.pk)
        return [ProductVariant.from_model(v, self.channel_slug) for v in rows]

    @strawberry.field(description="Prices in the channel; null when no variant is priced there.")
    async def pricing(self, info: Info, channel: ChannelArg = None) -> ProductPricing | None:
        ch = await channel_for(info, channel or self.channel_slug)
        listing = await info.context.loaders.product_listing.load((self.pk, ch.id))
        if listing is None or listing.min_price is None or listing.max_price is None:
            return None
        return ProductPricing(currency=ch.currency, price_range=PriceRange(
            start=Money.of(listing.min_price, ch.currency), stop=Money.of(listing.max_price, ch.currency)))

    @strawberry.field(description="Whether the product can be bought in the channel: published there, "
                      "with a priced variant and stock at the channel's locations.")
    async def is_available(self, info: Info, channel: ChannelArg = None) -> bool:
        ch = await channel_for(info, channel or self.channel_slug)
        listing = await info.context.loaders.product_listing.load((self.pk, ch.id))
        if not (listing and listing.is_published and listing.min_price is not None):
            return False
        return await info.context.loaders.available_by_product.load((self.pk, ch.id)) > 0

    @strawberry.field(description="Whether the product is published in the channel (staff see unpublished "
                      "products too).")
    async def is_published(self, info: Info, channel: ChannelArg = None) -> bool:
        ch = await channel_for(info, channel or self.channel_slug)
        listing = await info.context.loaders.product_listing.load((self.pk, ch.id))
        return bool(listing and listing.is_published)

    @classmethod
    def from_model(cls, m: ProductModel, channel_slug: str | None = None) -> Product:
        return cls(pk=m.id, name=m.name, slug=m.slug, description=m.description, created_at=m.created_at,
                   updated_at=m.updated_at, category_id=m.category_id, channel_slug=channel_slug)


@strawberry.type(description="A purchasable version of a product, with its own SKU and prices.")
class ProductVariant(Node):
    sku: str = strawberry.field(description="Stock keeping unit, unique across the catalogue.")
    name: str = strawberry.field(description="Display name (\"M / Blue\").")
    product_id: strawberry.Private[int]
    channel_slug: strawberry.Private[str | None]

    @strawberry.field(description="The product this is a variant of.")
    async def product(self, info: Info) -> Product:
        row = await info.context.loaders.product_by_id.load(self.product_id)
        return Product.from_model(row, self.channel_slug)

    @strawberry.field(description="Price in the channel; null when the variant is not sold there.")
    async def price(self, info: Info, channel: ChannelArg = None) -> Money | None:
        ch = await channel_for(info, channel or self.channel_slug)
        listing = await info.context.loaders.variant_listing.load((self.pk, ch.id))
        return Money.of(listing.price, ch.currency) if listing else None

    @strawberry.field(description="What the channel can sell now: available units over its active locations.")
    async def stock(self, info: Info, channel: ChannelArg = None) -> StockSummary:
        ch = await channel_for(info, channel or self.channel_slug)
        return StockSummary(available=await info.context.loaders.available_by_variant.load((self.pk, ch.id)))

    @strawberry.field(description="Stock at each location that has held this variant.")
    async def stock_levels(self, info: Info) -> list[StockLevel]:
        return [StockLevel.from_model(r) for r in await info.context.loaders.stock_levels_by_variant.load(self.pk)]

    @classmethod
    def from_model(cls, m: VariantModel, channel_slug: str | None = None) -> ProductVariant:
        return cls(pk=m.id, sku=m.sku, name=m.name, product_id=m.product_id, channel_slug=channel_slug)


async def visible_products(info: Info, rows: list[ProductModel | None]) -> list[ProductModel | None]:
    """Staff see every product; others only products published in some active channel."""
    if info.context.principal.can(Permission.VIEW_UNPUBLISHED):
        return rows
    published = await info.context.loaders.published_by_product.load_many([r.id for r in rows if r])
    flags = iter(published)
    return [r if r is not None and next(flags) else None for r in rows]


async def _fetch_products(info: Info, ids: list[int]) -> list[Product | None]:
    rows = await visible_products(info, await info.context.loaders.product_by_id.load_many(ids))
    return [Product.from_model(r) if r else None for r in rows]


async def _fetch_variants(info: Info, ids: list[int]) -> list[ProductVariant | None]:
    variants = await info.context.loaders.variant_by_id.load_many(ids)
    products = await info.context.loaders.product_by_id.load_many([v.product_id for v in variants if v])
    visible = {p.id for p in await visible_products(info, products) if p}
    return [ProductVariant.from_model(v) if v and v.product_id in visible else None for v in variants]


async def _fetch_categories(info: Info, ids: list[int]) -> list[Category | None]:
    rows = await info.context.loaders.category_by_id.load_many(ids)
    return [Category.from_model(r) if r else None for r in rows]


register_node("Product", _fetch_products)
register_node("ProductVariant", _fetch_variants)
register_node("Category", _fetch_categories)
