"""Catalogue reads: one product, categories, and the batch queries behind the dataloaders (the product
list is db/product_list.py).

Every function here is one SQL statement, whatever the number of keys, so a page costs
the same few statements whether it holds 10 products or 100.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Category,
    Channel,
    ChannelLocation,
    Location,
    Product,
    ProductChannelListing,
    ProductVariant,
    StockLevel,
    VariantChannelListing,
)
from db.pagination import (
    Ordering,
    Page,
    PageRequest,
    SortKey,
    keyset_page,
    parse_int,
    parse_str,
)
from db.sql import AnySelect, any_of, core_rows, dialect_name, in_parameter

CATEGORY_ORDERING = Ordering(
    "category", [SortKey(Category.name, parse=parse_str), SortKey(Category.id, parse=parse_int)]
)


@dataclass(frozen=True, slots=True)
class Listing:
    """A product's listing in one channel, as the storefront reads it (the ProductChannelListing row's
    fields the graph shows)."""

    is_published: bool
    min_price: Decimal | None
    max_price: Decimal | None


# A product page's rows: the product's columns and its listing's, as plain rows (`listing_of`).
PRODUCT_COLUMNS = (
    Product.id,
    Product.category_id,
    Product.name,
    Product.slug,
    Product.description,
    Product.created_at,
    Product.updated_at,
)
LISTING_COLUMNS = (
    ProductChannelListing.id.label("listing_id"),
    ProductChannelListing.is_published.label("listing_is_published"),
    ProductChannelListing.min_price,
    ProductChannelListing.max_price,
)


# The category columns of a product page's rows (db/product_list.py `_with_category`), read by `category_of`.
CATEGORY_OF_PRODUCT = (
    Category.parent_id.label("category_parent_id"),
    Category.name.label("category_name"),
    Category.slug.label("category_slug"),
    Category.description.label("category_description"),
)


class CategoryRow(NamedTuple):
    """A category's columns, as `categories_by_ids` reads them."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    description: str | None


def category_of(row: Any) -> CategoryRow | None:
    """The category in a product row with `CATEGORY_OF_PRODUCT` (None: the product has none)."""
    if row.category_id is None:
        return None
    return CategoryRow(
        row.category_id, row.category_parent_id, row.category_name, row.category_slug, row.category_description
    )


def listing_of(row: Any) -> Listing | None:
    """The listing in a product row (None: the product has no listing in the channel)."""
    if row.listing_id is None:
        return None
    return Listing(row.listing_is_published, row.min_price, row.max_price)


def category_statement() -> sa.Select[Any]:
    return sa.select(Category)


async def category_page(session: AsyncSession, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(
        session, category_statement(), CATEGORY_ORDERING, page, size, lambda r: (r[0].name, r[0].id)
    )


async def rows_by_ids(session: AsyncSession, model: Any, ids: Sequence[int]) -> dict[int, Any]:
    rows = (await session.scalars(sa.select(model).where(any_of(session, model.id, ids)))).all()
    return {r.id: r for r in rows}


@functools.cache
def _product_in_channel_statement(by_slug: bool) -> AnySelect:
    """Parameters `channel_id` and `key` (the id or the slug)."""
    listing_on = sa.and_(
        ProductChannelListing.product_id == Product.id,
        ProductChannelListing.channel_id == sa.bindparam("channel_id", type_=sa.BigInteger),
    )
    key = Product.slug if by_slug else Product.id
    return (
        sa.select(*PRODUCT_COLUMNS, *LISTING_COLUMNS)
        .outerjoin(ProductChannelListing, listing_on)
        .where(key == sa.bindparam("key", type_=key.type))
    )


async def product_in_channel(
    session: AsyncSession, channel_id: int, *, id: int | None = None, slug: str | None = None
) -> tuple[Any, Listing | None] | None:
    """One product row by id or slug, with its listing in the channel (None when it has none there)."""
    statement = _product_in_channel_statement(by_slug=id is None)
    rows = await core_rows(session, statement, {"channel_id": channel_id, "key": id if id is not None else slug})
    return (rows[0], listing_of(rows[0])) if rows else None


_VARIANT_COLUMNS = (ProductVariant.id, ProductVariant.product_id, ProductVariant.sku, ProductVariant.name)


async def variants_by_product_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Variants (rows of id, product_id, sku, name: what the graph shows) by product. Plain rows, not
    ORM objects: a page lists hundreds and nothing writes through them."""
    rows = (
        await session.execute(
            sa.select(*_VARIANT_COLUMNS)
            .where(any_of(session, ProductVariant.product_id, ids))
            .order_by(ProductVariant.product_id, ProductVariant.id)
        )
    ).all()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.product_id].append(r)
    return grouped


@functools.cache
def _variants_in_channel_statement(dialect: str) -> AnySelect:
    """Parameters `channel_id` and `product_ids`. The stock is summed in one grouped subquery over the
    channel's active locations (a correlated subquery per variant planned and ran twice as long)."""
    channel_id = sa.bindparam("channel_id", type_=sa.BigInteger)
    of_products = in_parameter(dialect, ProductVariant.product_id, "product_ids")
    stocked = aliased(ProductVariant)
    selling = (
        sa.select(ChannelLocation.location_id)
        .join(Location, sa.and_(Location.id == ChannelLocation.location_id, Location.is_active))
        .where(ChannelLocation.channel_id == channel_id)
    )
    stock = (
        sa.select(StockLevel.variant_id, sa.func.sum(StockLevel.on_hand - StockLevel.reserved).label("units"))
        .join(
            stocked,
            sa.and_(stocked.id == StockLevel.variant_id, in_parameter(dialect, stocked.product_id, "product_ids")),
        )
        .where(StockLevel.location_id.in_(selling))
        .group_by(StockLevel.variant_id)
        .subquery()
    )
    price_on = sa.and_(
        VariantChannelListing.variant_id == ProductVariant.id, VariantChannelListing.channel_id == channel_id
    )
    return (
        sa.select(*_VARIANT_COLUMNS, VariantChannelListing.price, sa.func.coalesce(stock.c.units, 0).label("available"))
        .outerjoin(VariantChannelListing, price_on)
        .outerjoin(stock, stock.c.variant_id == ProductVariant.id)
        .where(of_products)
        .order_by(ProductVariant.product_id, ProductVariant.id)
    )


async def variants_in_channel(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[Any, list[Any]]:
    """Variants by (product id, channel id), each with what a storefront shows of it there: rows of
    (id, product_id, sku, name, price, available), `price` None when the channel does not sell it and
    `available` the units over the channel's active locations. One statement per channel asked for
    (a page asks for one): the variants, their prices and their stock in one round trip."""
    found: dict[Any, list[Any]] = {}
    statement = _variants_in_channel_statement(dialect_name(session))
    for channel_id in sorted({c for _, c in keys}):
        product_ids = sorted({p for p, c in keys if c == channel_id})
        for r in await core_rows(session, statement, {"channel_id": channel_id, "product_ids": product_ids}):
            found.setdefault((r.product_id, channel_id), []).append(r)
    return found


_CATEGORY_COLUMNS = (Category.id, Category.parent_id, Category.name, Category.slug, Category.description)


async def category_subtrees(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """The categories and every category below them. A product list filtered by category takes these
    ids as values: behind a subquery the planner could not tell how many products they hold, and walked
    the name index of a 100,000-product catalogue for 70 ms instead of 7."""
    tree = sa.select(Category.id).where(any_of(session, Category.id, ids)).cte("subtree", recursive=True)
    tree = tree.union(sa.select(Category.id).join(tree, Category.parent_id == tree.c.id))
    return sorted(r.id for r in await core_rows(session, sa.select(tree.c.id), {}))


@functools.cache
def _categories_statement(dialect: str, with_ancestors: bool) -> AnySelect:
    """Parameter `ids`: those categories, and with `with_ancestors` every category above them."""
    wanted = in_parameter(dialect, Category.id, "ids")
    if not with_ancestors:
        return sa.select(*_CATEGORY_COLUMNS).where(wanted)
    tree = sa.select(Category.id, Category.parent_id).where(wanted).cte("trail", recursive=True)
    tree = tree.union(sa.select(Category.id, Category.parent_id).join(tree, Category.id == tree.c.parent_id))
    return sa.select(*_CATEGORY_COLUMNS).where(Category.id.in_(sa.select(tree.c.id)))


async def categories_by_ids(
    session: AsyncSession, ids: Sequence[int], *, with_ancestors: bool = False
) -> dict[int, Any]:
    """Category rows (id, parent_id, name, slug, description) by id; with `with_ancestors` also every
    category above them, in the same statement (a product page shows the trail up the tree)."""
    statement = _categories_statement(dialect_name(session), with_ancestors)
    return {r.id: r for r in await core_rows(session, statement, {"ids": list(ids)})}


async def variant_listings(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[Any, Any]:
    """Variant prices keyed by (variant id, channel id): rows of (variant_id, channel_id, price), not
    ORM objects (a page prices hundreds of variants)."""
    wanted = set(keys)
    rows = await session.execute(
        sa.select(
            VariantChannelListing.variant_id, VariantChannelListing.channel_id, VariantChannelListing.price
        ).where(
            any_of(session, VariantChannelListing.variant_id, {k[0] for k in keys}),
            any_of(session, VariantChannelListing.channel_id, {k[1] for k in keys}),
        )
    )
    return {(r.variant_id, r.channel_id): r for r in rows if (r.variant_id, r.channel_id) in wanted}


async def product_listings(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[Any, Listing]:
    """Listings keyed by (product id, channel id)."""
    wanted = set(keys)
    rows = await core_rows(
        session,
        sa.select(
            ProductChannelListing.product_id,
            ProductChannelListing.channel_id,
            ProductChannelListing.is_published,
            ProductChannelListing.min_price,
            ProductChannelListing.max_price,
        ).where(
            any_of(session, ProductChannelListing.product_id, {k[0] for k in keys}),
            any_of(session, ProductChannelListing.channel_id, {k[1] for k in keys}),
        ),
        {},
    )
    return {
        (r.product_id, r.channel_id): Listing(r.is_published, r.min_price, r.max_price)
        for r in rows
        if (r.product_id, r.channel_id) in wanted
    }


async def published_product_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, bool]:
    """Which of these products are published in at least one active channel."""
    rows = await session.scalars(
        sa.select(ProductChannelListing.product_id)
        .distinct()
        .join(Channel, Channel.id == ProductChannelListing.channel_id)
        .where(ProductChannelListing.product_id.in_(ids), ProductChannelListing.is_published, Channel.is_active)
    )
    return dict.fromkeys(rows.all(), True)


async def children_by_category_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Category]]:
    rows = (
        await session.scalars(
            sa.select(Category).where(Category.parent_id.in_(ids)).order_by(Category.name, Category.id)
        )
    ).all()
    grouped: dict[int, list[Category]] = defaultdict(list)
    for r in rows:
        assert r.parent_id is not None
        grouped[r.parent_id].append(r)
    return grouped


async def categories_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Category]:
    rows = (await session.scalars(sa.select(Category).where(Category.slug.in_(slugs)))).all()
    return {r.slug: r for r in rows}


def id_statement(model: Any) -> sa.Select[Any]:
    return sa.select(model)


async def id_page(session: AsyncSession, model: Any, page: PageRequest, size: int) -> Page[Any]:
    """Newest first by id: for administrative lists without another natural order."""
    ordering = Ordering(f"{model.__tablename__}-id", [SortKey(model.id, descending=True, parse=parse_int)])
    return await keyset_page(session, id_statement(model), ordering, page, size, lambda r: (r[0].id,))
