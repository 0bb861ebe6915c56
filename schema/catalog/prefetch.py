"""Prefetching what a product page or list asks for, so that its fields resolve without awaiting.

A field resolved through an async resolver costs a coroutine, and in a list a task, per object:
on a page of 50 products with their variants that is most of the request's CPU. The `products`
and `product` resolvers therefore look at the selection once, load what it names through the
same dataloaders the fields would use (one batch each, so the statements are the same), and hand
the values to the objects; the fields then return them synchronously. A field asked with another
`channel:` than its object's, or an object built elsewhere (`node`, a cart line), still loads
through its own async path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from db import catalog_queries as cq
from db.models import Channel as ChannelModel
from schema.catalog.types import UNLOADED, Category, Product, ProductVariant, buyable

if TYPE_CHECKING:
    from schema.context import Info


def fields_at(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields reached by following `path` (response field names) from `selections`, through
    fragments; every alias of a name is followed."""
    level = list(_flatten(selections))
    for name in path:
        level = [f for parent in level if parent.name == name for f in _flatten(parent.selections)]
    return level


def _flatten(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for s in selections:
        if isinstance(s, SelectedField):
            yield s
        elif isinstance(s, FragmentSpread | InlineFragment):
            yield from _flatten(s.selections)


def _wanted(fields: Sequence[SelectedField], name: str) -> bool:
    """`name` is selected without a `channel:` of its own (so the object's channel answers it)."""
    return any(f.name == name and f.arguments.get("channel") is None for f in fields)


async def prefetch_products(
    info: Info, products: Sequence[Product], node: Sequence[SelectedField], channel: ChannelModel
) -> None:
    """Load what `node` (the selection on each product) needs for `products`, all fetched in
    `channel`, through the request's dataloaders."""
    loaders = info.context.loaders
    names = {f.name for f in node}
    variant_fields = fields_at(node, "variants") if "variants" in names else []
    wants_price, wants_stock = _wanted(variant_fields, "price"), _wanted(variant_fields, "stock")
    # isAvailable comes from the variants' prices and stock when those are loaded anyway.
    derive_available = _wanted(node, "isAvailable") and "variants" in names and wants_price and wants_stock
    unlisted = [p for p in products if p.listing is UNLOADED]
    if unlisted and (_wanted(node, "pricing") or _wanted(node, "isAvailable") or _wanted(node, "isPublished")):
        listings = await loaders.product_listing.load_many([(p.pk, channel.id) for p in unlisted])
        for p, listing in zip(unlisted, listings, strict=True):
            p.listing = listing
    if "category" in names:
        await _prefetch_categories(info, products, any(f.name == "parent" for f in fields_at(node, "category")))
    if "variants" in names:
        if wants_price or wants_stock or derive_available:
            # the variants with their price and stock in the channel, in one statement
            offers = await loaders.variants_in_channel.load_many([(p.pk, channel.id) for p in products])
            for p, rows in zip(products, offers, strict=True):
                p.prefetched_variants = [ProductVariant.offered(r, p.channel_slug, channel) for r in rows]
        else:
            rows_by_product = await loaders.variants_by_product.load_many([p.pk for p in products])
            for p, rows in zip(products, rows_by_product, strict=True):
                p.prefetched_variants = [ProductVariant.from_model(r, p.channel_slug, channel) for r in rows]
        if derive_available:
            for p in products:
                p.available = sum(v.available for v in p.prefetched_variants if v.listing is not None)
    if _wanted(node, "isAvailable") and not derive_available:
        for_sale = [p for p in products if buyable(p.listing)]
        units = await loaders.available_by_product.load_many([(p.pk, channel.id) for p in for_sale])
        for p, n in zip(for_sale, units, strict=True):
            p.available = n


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
        trail = {c.id: Category.from_model(c) for c in await info.context.loaders.category_by_id.load_many(ids) if c}
    for p in products:
        p.prefetched_category = trail.get(p.category_id) if p.category_id is not None else None
