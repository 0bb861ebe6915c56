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


async def prefetch_products(info: Info, products: Sequence[Product], node: Sequence[SelectedField],
                            channel: ChannelModel) -> None:
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
    categories = loaders.category_by_id.load_many(
        [p.category_id for p in products if p.category_id is not None]) if "category" in names else None
    variants = loaders.variants_by_product.load_many([p.pk for p in products]) if "variants" in names else None
    if categories is not None:
        found = {c.id: c for c in await categories if c is not None}
        for p in products:
            row = found.get(p.category_id) if p.category_id is not None else None
            p.prefetched_category = Category.from_model(row) if row else None
    if variants is not None:
        by_product = [[ProductVariant.from_model(v, p.channel_slug, channel) for v in rows]
                      for p, rows in zip(products, await variants, strict=True)]
        flat = [v for vs in by_product for v in vs]
        keys = [(v.pk, channel.id) for v in flat]
        prices = loaders.variant_listing.load_many(keys) if wants_price or derive_available else None
        stock = loaders.available_by_variant.load_many(keys) if wants_stock or derive_available else None
        if prices is not None:
            for v, listing in zip(flat, await prices, strict=True):
                v.listing = listing
        if stock is not None:
            for v, units in zip(flat, await stock, strict=True):
                v.available = units
        for p, vs in zip(products, by_product, strict=True):
            p.prefetched_variants = vs
            if derive_available:
                p.available = sum(v.available for v in vs if v.listing is not None)
    if _wanted(node, "isAvailable") and not derive_available:
        for_sale = [p for p in products if buyable(p.listing)]
        units = await loaders.available_by_product.load_many([(p.pk, channel.id) for p in for_sale])
        for p, n in zip(for_sale, units, strict=True):
            p.available = n
