"""Prefetching what a product page or list asks for, so that its fields resolve without awaiting.

A field resolved through an async resolver costs a coroutine, and in a list a task, per object:
on a page of 50 products with their variants that is most of the request's CPU. The `products`
and `product` resolvers therefore look at the selection once, load what it names through the
same dataloaders the fields would use (one batch each, so the statements are the same), and hand
the values to the objects; the fields then return them synchronously.

What is loaded depends only on which fields are selected, never on their arguments: prices and
stock come in the channel the page was fetched in, and a field whose `channel:` names another
channel loads its own (schema/catalog/types.py). So it is worked out once per operation and root
field, not per request (`_WANTS`); whether a literal, a variable or nothing names the channel
makes no difference to what runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import OperationDefinitionNode
from strawberry.types.nodes import SelectedField

from db import catalog_queries as cq
from db.models import Channel as ChannelModel
from schema.catalog.media_types import ProductMedia
from schema.catalog.types import UNLOADED, Category, Product, ProductVariant
from schema.channels.types import Selling, selling
from schema.money import Money
from schema.per_document import PerDocument
from schema.selections import fields_at

if TYPE_CHECKING:
    from schema.context import Info


@dataclass(frozen=True, slots=True)
class Wants:
    """What a selection on products asks for that a page loads in one batch per kind."""

    listing: bool  # pricing, isAvailable or isPublished: the product's listing in the channel
    details: bool  # description, createdAt or updatedAt
    category: bool
    parents: bool  # the categories above it (a product page's trail)
    variants: bool
    offers: bool  # the variants' prices and stock in the channel (price, stock, or isAvailable from them)
    media: bool  # the products' images


# By operation (kept while its document is) and the root field's path: parsed documents are cached
# (schema/document_cache.py), so a storefront's few operations are each worked out once.
_WANTS: PerDocument[OperationDefinitionNode, dict[tuple[str | int, ...], Wants]] = PerDocument()


def wants(info: Info, *path: str) -> Wants:
    """What the selection below the root field resolving now asks for on products, reached by `path`
    (field names) from that field."""
    by_path = _WANTS.get(info.operation, lambda _: {})
    key = tuple(info.path.as_list())
    found = by_path.get(key)
    if found is None:
        found = by_path[key] = _wants(fields_at(info.selected_fields, *path))
    return found


def _wants(node: list[SelectedField]) -> Wants:
    names = {f.name for f in node}
    variant_names = {f.name for f in fields_at(node, "variants")}
    return Wants(
        listing=bool(names & {"pricing", "isAvailable", "isPublished"}),
        details=bool(names & {"description", "createdAt", "updatedAt"}),
        category="category" in names,
        parents="parent" in {f.name for f in fields_at(node, "category")},
        variants="variants" in names,
        offers="isAvailable" in names or ("variants" in names and bool(variant_names & {"price", "stock"})),
        media="media" in names,
    )


async def prefetch_products(info: Info, products: Sequence[Product], wanted: Wants, channel: ChannelModel) -> None:
    """Load what `wanted` names for `products`, all fetched in `channel`, through the request's dataloaders."""
    loaders = info.context.loaders
    unlisted = [p for p in products if p.listing is UNLOADED]
    if unlisted and wanted.listing:
        listings = await loaders.product_listing.load_many([(p.pk, channel.id) for p in unlisted])
        for p, listing in zip(unlisted, listings, strict=True):
            p.listing = listing
    if wanted.category:
        await _prefetch_categories(info, products, wanted.parents)
    if wanted.media:
        images = await loaders.media_by_product.load_many([p.pk for p in products])
        for p, rows in zip(products, images, strict=True):
            p.prefetched_media = ProductMedia.many(info, rows)
    sold = selling(channel)
    if wanted.offers:
        # the variants with their price and stock in the channel, in one statement
        offers = await loaders.variants_in_channel.fetch_now([(p.pk, channel.id) for p in products])
        _hand_offers(products, offers, sold)
    elif wanted.variants:
        rows_by_product = await loaders.variants_by_product.load_many([p.pk for p in products])
        for p, rows in zip(products, rows_by_product, strict=True):
            p.prefetched_variants = [ProductVariant.from_model(r, p.channel_slug, sold) for r in rows]


def _hand_offers(products: Sequence[Product], offers: Sequence[Sequence[Any]], sold: Selling) -> None:
    """Each product's variants from its rows of `variants_in_channel`, with their prices (one `Money`
    per price: a product's variants often share one) and stock in `sold`, and the units the product
    can sell there (`units_for_sale`), in one pass over the rows."""
    currency = sold.currency
    monies: dict[Decimal, Money] = {}
    offered = ProductVariant.offered
    for p, rows in zip(products, offers, strict=True):
        slug = p.channel_slug
        variants = []
        units = 0
        for r in rows:
            price = r.price
            if price is None:
                variants.append(offered(r, slug, sold, None))
                continue
            money = monies.get(price)
            if money is None:
                money = monies[price] = Money.of(price, currency)
            variants.append(offered(r, slug, sold, money))
            units += int(r.available)
        p.prefetched_variants = variants
        p.available = units


async def _prefetch_categories(info: Info, products: Sequence[Product], with_parents: bool) -> None:
    """Each product's category; with `with_parents`, the categories above it too, in the same
    statement (a product page shows the trail up the tree)."""
    ids = sorted({p.category_id for p in products if p.category_id is not None})
    if with_parents:
        rows = await cq.categories_by_ids(info.context.session, ids, with_ancestors=True)
        for row in rows.values():
            info.context.loaders.category_by_id.prime(row.id, row)
        trail = Category.trails(rows)
    else:
        trail = {c.id: Category.from_model(c) for c in await info.context.loaders.category_by_id.fetch_now(ids) if c}
    for p in products:
        p.prefetched_category = trail.get(p.category_id) if p.category_id is not None else None
