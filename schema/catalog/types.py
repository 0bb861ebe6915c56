"""Catalogue types: categories, products and variants, priced per channel.

Objects remember the channel they were fetched in (`channel_slug`), so a product listed in
`channel: "pos"` shows its variants' POS prices without the client repeating the argument.

Fields that need a dataloader are sync resolvers that return the value when the object was
handed it (schema/catalog/prefetch.py: the product list and page load what their selection
asks for in one batch per kind), and an awaitable that loads it otherwise. An awaited field
costs a coroutine and, in a list, a task per object; on a page of products that was most of
the request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry

from db.models import Category as CategoryModel
from db.models import Channel as ChannelModel
from db.models import Product as ProductModel
from db.models import ProductVariant as VariantModel
from domain.catalog.access import sees_unpublished
from schema.catalog.media_types import ProductMedia
from schema.channels.types import Selling, channel_for
from schema.context import Info
from schema.money import Money
from schema.relay import Node, register_node

if TYPE_CHECKING:
    from schema.inventory.types import StockLevel

T = TypeVar("T")
C = TypeVar("C", ChannelModel, "Selling")
MaybeAwaitable: TypeAlias = T | Awaitable[T]


class _Unloaded:
    """Not handed to the object: its field loads it. (None is a value: "no listing", "no category".)"""

    def __repr__(self) -> str:
        return "UNLOADED"


UNLOADED: Any = _Unloaded()


ChannelArg = Annotated[
    str | None,
    strawberry.argument(
        description="Channel slug; omitted means the channel the object was fetched in, else the default."
    ),
]


@strawberry.type(description="A node of the category tree.")
class Category(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique key.")
    description: str | None = strawberry.field(description="Longer text for category pages.")
    parent_id: strawberry.Private[int | None]
    prefetched_parent: strawberry.Private[Any] = UNLOADED  # handed over with the trail up the tree

    @strawberry.field(description="The parent category; null at the top of the tree.", graphql_type="Category | None")
    def parent(self, info: Info) -> MaybeAwaitable[Category | None]:
        if self.parent_id is None:
            return None
        if self.prefetched_parent is not UNLOADED:
            return self.prefetched_parent
        return _category(info, self.parent_id)

    @strawberry.field(description="Direct subcategories, by name.")
    async def children(self, info: Info) -> list[Category]:
        return [Category.from_model(c) for c in await info.context.loaders.children_by_category.load(self.pk)]

    @classmethod
    def from_model(cls, m: CategoryModel | Any) -> Category:
        return cls(pk=m.id, name=m.name, slug=m.slug, description=m.description, parent_id=m.parent_id)

    @classmethod
    def trails(cls, rows: dict[int, Any]) -> dict[int, Category]:
        """Categories by id, each handed its parent, from rows that hold every category's ancestors."""
        built = {i: cls.from_model(r) for i, r in rows.items()}
        for c in built.values():
            if c.parent_id is not None and c.parent_id in built:
                c.prefetched_parent = built[c.parent_id]
        return built


async def _category(info: Info, category_id: int) -> Category | None:
    row = await info.context.loaders.category_by_id.load(category_id)
    return Category.from_model(row) if row else None


@strawberry.type(description="The range of a product's variant prices in a channel.")
class PriceRange:
    start: Money = strawberry.field(description="Lowest variant price.")
    stop: Money = strawberry.field(description="Highest variant price.")


@strawberry.type(description="A product's prices in one channel.")
class ProductPricing:
    price_range: PriceRange = strawberry.field(description="Lowest to highest variant price.")
    currency: str = strawberry.field(description="The channel's currency.")


@strawberry.type(description="How much of a variant a channel can sell right now.")
class StockSummary:
    available: int = strawberry.field(description="Available units summed over the channel's active locations.")


# One `StockSummary` per number of units (never changed once made) serves every variant that has it.
stock_summary = functools.lru_cache(maxsize=4096)(lambda available: StockSummary(available=available))


@strawberry.type(description="A variant's attribute: what storefronts filter products by.")
class VariantAttribute:
    name: str = strawberry.field(description="A lower-case key shared across the catalogue: `colour`, `size`.")
    value: str = strawberry.field(description='What the shop shows: "白色", "M".')


@strawberry.type(description="A purchasable version of a product, with its own SKU and prices.")
class ProductVariant(Node):
    sku: str = strawberry.field(description="Stock keeping unit, unique across the catalogue.")
    name: str = strawberry.field(description='Display name ("M / Blue").')
    product_id: strawberry.Private[int]
    channel_slug: strawberry.Private[str | None]
    # Handed over by prefetching (see Product): the channel, the price there (None: not sold there) and
    # the units it can sell.
    channel: strawberry.Private[Selling | None] = None
    priced: strawberry.Private[Any] = UNLOADED
    available: strawberry.Private[Any] = UNLOADED

    @strawberry.field(description="The product this is a variant of.")
    async def product(self, info: Info) -> Product:
        row = await info.context.loaders.product_by_id.load(self.product_id)
        return Product.from_model(row, self.channel_slug)

    @strawberry.field(
        description="Price in the channel; null when the variant is not sold there.", graphql_type=Money | None
    )
    def price(self, info: Info, channel: ChannelArg = None) -> MaybeAwaitable[Money | None]:
        # what it was handed when it was fetched in the channel asked for (`_same`, inline: a page reads
        # hundreds of prices and stock figures)
        if self.priced is not UNLOADED and (ch := self.channel) is not None and channel in (None, ch.slug):
            return self.priced
        return self._load_price(info, channel)

    async def _load_price(self, info: Info, channel: str | None) -> Money | None:
        ch = await channel_for(info, channel or self.channel_slug)
        listing = await info.context.loaders.variant_listing.load((self.pk, ch.id))
        return Money.of(listing.price, ch.currency) if listing else None

    @strawberry.field(
        description="What the channel can sell now: available units over its active locations.",
        graphql_type=StockSummary,
    )
    def stock(self, info: Info, channel: ChannelArg = None) -> MaybeAwaitable[StockSummary]:
        if self.available is not UNLOADED and (ch := self.channel) is not None and channel in (None, ch.slug):
            return stock_summary(self.available)
        return self._load_stock(info, channel)

    async def _load_stock(self, info: Info, channel: str | None) -> StockSummary:
        ch = await channel_for(info, channel or self.channel_slug)
        return StockSummary(available=await info.context.loaders.available_by_variant.load((self.pk, ch.id)))

    @strawberry.field(description="Stock at each location that has held this variant.")
    async def stock_levels(self, info: Info) -> list[Annotated[StockLevel, strawberry.lazy("schema.inventory.types")]]:
        from schema.inventory.types import StockLevel  # a back-edge: a stock level names its variant

        return [StockLevel.from_model(r) for r in await info.context.loaders.stock_levels_by_variant.load(self.pk)]

    @strawberry.field(description="The variant's colour, size and other attributes, by name.")
    async def attributes(self, info: Info) -> list[VariantAttribute]:
        rows = await info.context.loaders.attributes_by_variant.load(self.pk)
        return [VariantAttribute(name=r.name, value=r.value) for r in rows]

    @strawberry.field(description="The variant's own images (a colour's photos), in the product's order.")
    async def media(self, info: Info) -> list[ProductMedia]:
        return ProductMedia.many(info, await info.context.loaders.media_by_variant.load(self.pk))

    @classmethod
    def from_model(
        cls, m: VariantModel | Any, channel_slug: str | None = None, channel: Selling | None = None
    ) -> ProductVariant:
        return cls(pk=m.id, sku=m.sku, name=m.name, product_id=m.product_id, channel_slug=channel_slug, channel=channel)

    @classmethod
    def offered(cls, row: Any, channel_slug: str | None, channel: Selling, price: Money | None) -> ProductVariant:
        """From a row of `variants_in_channel`: the variant with its `price` (None: not sold there, the
        row's price made Money in the channel's currency) and available units in `channel`."""
        return cls(
            pk=row.id,
            sku=row.sku,
            name=row.name,
            product_id=row.product_id,
            channel_slug=channel_slug,
            channel=channel,
            priced=price,
            available=int(row.available),
        )


@strawberry.type(description="Something sold, with one or more variants (sizes, colours).")
class Product(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique key; `product(slug:)` finds it.")
    description: str | None = strawberry.field(description="Longer text for the product page.")
    created_at: datetime = strawberry.field(description="When the product was created.")
    updated_at: datetime = strawberry.field(description="When the product was last changed.")
    category_id: strawberry.Private[int | None]
    channel_slug: strawberry.Private[str | None]
    # What a field without `channel:` would load, when the list or page that built the object had it
    # (UNLOADED otherwise): the channel `channel_slug` names, its listing row, the category, the
    # variants, and the units the channel can sell of the product (None: unknown).
    channel: strawberry.Private[ChannelModel | None] = None
    listing: strawberry.Private[Any] = UNLOADED
    prefetched_category: strawberry.Private[Any] = UNLOADED
    prefetched_variants: strawberry.Private[Any] = UNLOADED
    prefetched_media: strawberry.Private[Any] = UNLOADED
    available: strawberry.Private[int | None] = None

    @strawberry.field(description="The product's category.", graphql_type="Category | None")
    def category(self, info: Info) -> MaybeAwaitable[Category | None]:
        if self.prefetched_category is not UNLOADED:
            return self.prefetched_category
        if self.category_id is None:
            return None
        return _category(info, self.category_id)

    @strawberry.field(description="The product's variants, in creation order.", graphql_type=list[ProductVariant])
    def variants(self, info: Info) -> MaybeAwaitable[list[ProductVariant]]:
        if self.prefetched_variants is not UNLOADED:
            return self.prefetched_variants
        return self._load_variants(info)

    @strawberry.field(description="The product's images, in their order.", graphql_type=list[ProductMedia])
    def media(self, info: Info) -> MaybeAwaitable[list[ProductMedia]]:
        if self.prefetched_media is not UNLOADED:
            return self.prefetched_media
        return self._load_media(info)

    async def _load_media(self, info: Info) -> list[ProductMedia]:
        return ProductMedia.many(info, await info.context.loaders.media_by_product.load(self.pk))

    async def _load_variants(self, info: Info) -> list[ProductVariant]:
        rows = await info.context.loaders.variants_by_product.load(self.pk)
        return [ProductVariant.from_model(v, self.channel_slug) for v in rows]

    def _known(self, channel: str | None) -> ChannelModel | None:
        """The object's channel, when the field asks for no other and the listing came with it."""
        return _same(self.channel, channel) if self.listing is not UNLOADED else None

    async def _listing(self, info: Info, channel: str | None) -> tuple[ChannelModel, Any]:
        ch = await channel_for(info, channel or self.channel_slug)
        return ch, await info.context.loaders.product_listing.load((self.pk, ch.id))

    @strawberry.field(
        description="Prices in the channel; null when no variant is priced there.", graphql_type=ProductPricing | None
    )
    def pricing(self, info: Info, channel: ChannelArg = None) -> MaybeAwaitable[ProductPricing | None]:
        if (ch := self._known(channel)) is not None:
            return _pricing(ch, self.listing)
        return self._load_pricing(info, channel)

    async def _load_pricing(self, info: Info, channel: str | None) -> ProductPricing | None:
        return _pricing(*await self._listing(info, channel))

    @strawberry.field(
        description="Whether the product can be bought in the channel: published there, "
        "with a priced variant and stock at the channel's locations.",
        graphql_type=bool,
    )
    def is_available(self, info: Info, channel: ChannelArg = None) -> MaybeAwaitable[bool]:
        if self._known(channel) is not None and (not buyable(self.listing) or self.available is not None):
            return buyable(self.listing) and (self.available or 0) > 0
        return self._load_is_available(info, channel)

    async def _load_is_available(self, info: Info, channel: str | None) -> bool:
        ch, listing = await self._listing(info, channel)
        if not buyable(listing):
            return False
        return units_for_sale(await info.context.loaders.variants_in_channel.load((self.pk, ch.id))) > 0

    @strawberry.field(
        description="Whether the product is published in the channel (staff see unpublished products too).",
        graphql_type=bool,
    )
    def is_published(self, info: Info, channel: ChannelArg = None) -> MaybeAwaitable[bool]:
        if self._known(channel) is not None:
            return bool(self.listing and self.listing.is_published)
        return self._load_is_published(info, channel)

    async def _load_is_published(self, info: Info, channel: str | None) -> bool:
        listing = (await self._listing(info, channel))[1]
        return bool(listing and listing.is_published)

    @classmethod
    def from_model(
        cls,
        m: ProductModel | Any,
        channel_slug: str | None = None,
        channel: ChannelModel | None = None,
        listing: Any = UNLOADED,
        details: bool = True,
    ) -> Product:
        """`channel` is the channel `channel_slug` names and `listing` the product's listing row there,
        when the caller has them; without `details`, `m` is a list's row read without the description
        and dates (db/product_list.py `PageColumns`: its selection shows none of them)."""
        return cls(
            pk=m.id,
            name=m.name,
            slug=m.slug,
            description=m.description if details else UNLOADED,
            created_at=m.created_at if details else UNLOADED,
            updated_at=m.updated_at if details else UNLOADED,
            category_id=m.category_id,
            channel_slug=channel_slug,
            channel=channel,
            listing=listing,
        )


def _same(fetched_in: C | None, asked: str | None) -> C | None:
    """The channel an object was fetched in, when a field's `channel:` asks for no other (none, or
    that channel's slug): what the object was handed answers the field."""
    if fetched_in is None or (asked is not None and asked != fetched_in.slug):
        return None
    return fetched_in


def units_for_sale(offers: Iterable[Any]) -> int:
    """Units a channel can sell of a product: the available stock of its variants priced there (rows
    of `variants_in_channel`). The product is available when this is above zero and it is `buyable`."""
    return sum(int(r.available) for r in offers if r.price is not None)


def buyable(listing: Any) -> bool:
    """The listing makes the product purchasable in its channel (stock aside)."""
    return bool(listing and listing.is_published and listing.min_price is not None)


def _pricing(ch: ChannelModel, listing: Any) -> ProductPricing | None:
    if listing is None or listing.min_price is None or listing.max_price is None:
        return None
    return ProductPricing(
        currency=ch.currency,
        price_range=PriceRange(
            start=Money.of(listing.min_price, ch.currency), stop=Money.of(listing.max_price, ch.currency)
        ),
    )


async def visible_products(info: Info, rows: list[ProductModel | None]) -> list[ProductModel | None]:
    """Staff see every product; others only products published in some active channel."""
    if sees_unpublished(info.context.principal):
        return rows
    published = await info.context.loaders.published_by_product.load_many([r.id for r in rows if r])
    flags = iter(published)
    return [r if r is not None and next(flags) else None for r in rows]


async def _fetch_products(info: Info, ids: list[int]) -> list[Product | None]:
    rows = await visible_products(info, await info.context.loaders.product_by_id.load_many(ids))
    return [Product.from_model(r) if r else None for r in rows]


async def visible_variant_ids(info: Info, ids: list[int]) -> set[int]:
    """Those of `ids` whose product the caller sees (`visible_products`), in one batch per kind."""
    variants = await info.context.loaders.variant_by_id.load_many(ids)
    products = await info.context.loaders.product_by_id.load_many([v.product_id for v in variants if v])
    visible = {p.id for p in await visible_products(info, products) if p}
    return {v.id for v in variants if v and v.product_id in visible}


async def _fetch_variants(info: Info, ids: list[int]) -> list[ProductVariant | None]:
    visible = await visible_variant_ids(info, ids)
    variants = await info.context.loaders.variant_by_id.load_many(ids)  # cached by the line above
    return [ProductVariant.from_model(v) if v and v.id in visible else None for v in variants]


async def _fetch_categories(info: Info, ids: list[int]) -> list[Category | None]:
    rows = await info.context.loaders.category_by_id.load_many(ids)
    return [Category.from_model(r) if r else None for r in rows]


async def _fetch_media(info: Info, ids: list[int]) -> list[ProductMedia | None]:
    rows = await info.context.loaders.media_by_id.load_many(ids)
    visible = {p.pk for p in await _fetch_products(info, [r.product_id for r in rows if r]) if p}
    return [ProductMedia.many(info, [r])[0] if r and r.product_id in visible else None for r in rows]


register_node("Product", _fetch_products)
register_node("ProductVariant", _fetch_variants)
register_node("Category", _fetch_categories)
register_node("ProductMedia", _fetch_media)
