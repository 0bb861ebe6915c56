"""The storefront's product list: one statement for a page of products with their listing in the
channel (searched, filtered, sorted, keyset-paged) and, when asked, their number.

The statements are built once per shape of query and page (`_shape`: which filters, which sort,
which cursors) with every value a parameter, and run without the ORM's execution layer: building a
statement and its cache key cost more than PostgreSQL took to run it. Search terms and attribute
filters are written into the statement's text, so those are built per request, as before.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db import product_search as search
from db.catalog_queries import CATEGORY_OF_PRODUCT, LISTING_COLUMNS, PRODUCT_COLUMNS
from db.models import (
    Category,
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
    count_statement,
    keyset_parameters,
    keyset_statement,
    page_kind,
    page_of,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_str,
)
from db.published_counts import published_count_statement
from db.sql import AnySelect, core_rows, dialect_name, in_parameter
from db.variant_attributes import AttributeFilter, having_attributes
from domain.catalog.model import ProductSortField

PRODUCT_ORDERINGS: dict[tuple[ProductSortField, bool], Ordering] = {}
for _desc in (False, True):
    _sfx = "-desc" if _desc else ""
    PRODUCT_ORDERINGS[(ProductSortField.NAME, _desc)] = Ordering(
        "name" + _sfx, [SortKey(Product.name, _desc, parse_str), SortKey(Product.id, _desc, parse_int)]
    )
    PRODUCT_ORDERINGS[(ProductSortField.PRICE, _desc)] = Ordering(
        "price" + _sfx,
        [SortKey(ProductChannelListing.min_price, _desc, parse_decimal), SortKey(Product.id, _desc, parse_int)],
    )
    PRODUCT_ORDERINGS[(ProductSortField.NEWEST, _desc)] = Ordering(
        "newest" + _sfx,
        [SortKey(Product.created_at, not _desc, parse_datetime), SortKey(Product.id, not _desc, parse_int)],
    )


@dataclass(frozen=True, slots=True)
class ProductQuery:
    channel_id: int
    include_unpublished: bool = False
    search_terms: tuple[str, ...] = ()  # domain.catalog.model.search_terms
    category_ids: Sequence[int] | None = None  # the categories with all their subcategories (`category_subtrees`)
    price_gte: Decimal | None = None
    price_lte: Decimal | None = None
    available: bool | None = None
    attributes: tuple[AttributeFilter, ...] = ()  # every (name, values): some variant has one of the values
    sort: ProductSortField | None = None  # by relevance when searching, else by name
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageColumns:
    """What a page's rows carry besides the product's id, category id, name and slug: only what its
    selection reads (a storefront's card shows no description or dates), so that nothing more is sent
    and decoded than is shown."""

    details: bool = True  # description, created_at, updated_at
    listing: bool = True  # the listing in the channel (`listing_of`)
    category: bool = False  # the category's columns (`_with_category`)
    count: bool = False  # the number of products the query finds (`_with_count`)


_BASE_COLUMNS = PRODUCT_COLUMNS[:4]  # id, category_id, name, slug
_DETAIL_COLUMNS = PRODUCT_COLUMNS[4:]  # description, created_at, updated_at


def _columns(q: ProductQuery, wanted: PageColumns) -> tuple[Any, ...]:
    """The columns of a page's rows: what `wanted` names, and what its order's cursors are made of."""
    columns: list[Any] = list(_BASE_COLUMNS)
    if wanted.details:
        columns += _DETAIL_COLUMNS
    elif q.sort is ProductSortField.NEWEST:
        columns.append(Product.created_at)
    if wanted.listing:
        columns += LISTING_COLUMNS
    elif q.sort is ProductSortField.PRICE:
        columns.append(ProductChannelListing.min_price)
    return tuple(columns)


def product_statement(
    q: ProductQuery, dialect: str, columns: Sequence[Any] = (*PRODUCT_COLUMNS, *LISTING_COLUMNS)
) -> AnySelect:
    """The products `q` asks for (rows of `columns`), its values parameters (`product_parameters`)
    except the search terms and attribute filters, which are written into the statement."""
    channel_id = sa.bindparam("channel_id", type_=sa.BigInteger)
    listing_on = sa.and_(ProductChannelListing.product_id == Product.id, ProductChannelListing.channel_id == channel_id)
    stmt = sa.select(*columns)
    if q.include_unpublished:
        stmt = stmt.outerjoin(ProductChannelListing, listing_on)
    else:
        stmt = stmt.join(ProductChannelListing, listing_on).where(ProductChannelListing.is_published)
    stmt = stmt.where(*_listing_conditions(q))
    if q.search_terms:
        stmt = stmt.where(search.matching(q.search_terms, dialect))
    if q.category_ids is not None:
        stmt = stmt.where(in_parameter(dialect, Product.category_id, "category_ids"))
    if q.attributes:
        stmt = stmt.where(*having_attributes(q.attributes))
    if q.available is not None:
        # Purchasable in the channel: published, a priced variant, stock at the channel's locations.
        in_stock = sa.exists().where(
            ProductVariant.product_id == Product.id,
            StockLevel.variant_id == ProductVariant.id,
            StockLevel.on_hand > StockLevel.reserved,
            ChannelLocation.location_id == StockLevel.location_id,
            ChannelLocation.channel_id == channel_id,
            Location.id == StockLevel.location_id,
            Location.is_active,
            VariantChannelListing.variant_id == ProductVariant.id,
            VariantChannelListing.channel_id == channel_id,
        )
        purchasable = sa.and_(
            ProductChannelListing.is_published.is_(True), ProductChannelListing.min_price.is_not(None), in_stock
        )
        stmt = stmt.where(purchasable if q.available else sa.not_(sa.func.coalesce(purchasable, False)))
    return stmt


_PRICE = ProductChannelListing.min_price.type


def _listing_conditions(q: ProductQuery) -> list[sa.ColumnElement[bool]]:
    """What `q` asks of the listing alone: its price filters, and a price to sort by."""
    conditions = []
    if q.price_gte is not None:
        conditions.append(ProductChannelListing.max_price >= sa.bindparam("price_gte", type_=_PRICE))
    if q.price_lte is not None:
        conditions.append(ProductChannelListing.min_price <= sa.bindparam("price_lte", type_=_PRICE))
    if q.sort is ProductSortField.PRICE:
        conditions.append(ProductChannelListing.min_price.is_not(None))
    return conditions


def count_statement_of(q: ProductQuery, dialect: str) -> AnySelect:
    """How many products `q` finds. When it asks nothing of the product itself (no search, category,
    attribute or availability filter) and sees only published products, it counts the channel's
    published listings without reading the products: each names an existing product (a foreign key),
    and a product has one per channel (a unique key). The join cost PostgreSQL twice the time, and the
    count was the costliest statement of a storefront's page. Without a price filter either, it is the
    number of products the channel publishes, which triggers keep (db/published_counts.py)."""
    if q.include_unpublished or q.search_terms or q.category_ids is not None or q.attributes or q.available is not None:
        return count_statement(product_statement(q, dialect))
    channel_id = sa.bindparam("channel_id", type_=sa.BigInteger)
    conditions = _listing_conditions(q)
    if not conditions:  # every published listing: the number triggers keep, not a count
        return published_count_statement(channel_id)
    return sa.select(sa.func.count()).where(
        ProductChannelListing.channel_id == channel_id, ProductChannelListing.is_published, *conditions
    )


def product_parameters(q: ProductQuery) -> dict[str, Any]:
    parameters: dict[str, Any] = {"channel_id": q.channel_id}
    if q.category_ids is not None:
        parameters["category_ids"] = list(q.category_ids)
    if q.price_gte is not None:
        parameters["price_gte"] = q.price_gte
    if q.price_lte is not None:
        parameters["price_lte"] = q.price_lte
    return parameters


def _shape(q: ProductQuery) -> ProductQuery | None:
    """What the text of `q`'s statements depends on: `q` without its parameters' values; None when the
    text holds values (search terms, attribute filters)."""
    if q.search_terms or q.attributes:
        return None
    return dataclasses.replace(
        q,
        channel_id=0,
        category_ids=None if q.category_ids is None else (),
        price_gte=None if q.price_gte is None else Decimal(0),
        price_lte=None if q.price_lte is None else Decimal(0),
    )


# Built once per shape of query and page (and dialect): building a statement and its cache key cost
# more than running it. A storefront sends a few shapes; the bound is for the rest.
@functools.lru_cache(maxsize=256)
def _page_statement(shape: ProductQuery, dialect: str, page: PageRequest, wanted: PageColumns) -> AnySelect:
    return keyset_statement(_page_select(shape, dialect, wanted), _ordering(shape), page)


def _page_select(q: ProductQuery, dialect: str, wanted: PageColumns) -> AnySelect:
    stmt = _with_category(product_statement(q, dialect, _columns(q, wanted)), wanted.category)
    return _with_count(stmt, q, dialect, wanted.count)


def _with_category(stmt: AnySelect, wanted: bool) -> AnySelect:
    """With `wanted`, each row also carries its product's category (`CATEGORY_OF_PRODUCT`, None
    without one): a page that shows categories reads them in its own statement, not one more."""
    if not wanted:
        return stmt
    return stmt.add_columns(*CATEGORY_OF_PRODUCT).outerjoin(Category, Category.id == Product.category_id)


def _with_count(stmt: AnySelect, q: ProductQuery, dialect: str, wanted: bool) -> AnySelect:
    """With `wanted`, each row also carries the number of products `q` finds (`total_count`, a scalar
    subquery the database runs once): a list that shows its count costs no statement more for it."""
    if not wanted:
        return stmt
    # correlate(None): the count reads its own tables, never the page's rows
    return stmt.add_columns(count_statement_of(q, dialect).correlate(None).scalar_subquery().label(TOTAL_COUNT))


TOTAL_COUNT = "total_count"


@functools.lru_cache(maxsize=64)
def _count_statement(shape: ProductQuery, dialect: str) -> AnySelect:
    return count_statement_of(shape, dialect)


def _ordering(q: ProductQuery) -> Ordering:
    return PRODUCT_ORDERINGS[(q.sort or ProductSortField.NAME, q.descending)]


_SORT_VALUES = {
    ProductSortField.NAME: lambda r: (r.name, r.id),
    ProductSortField.PRICE: lambda r: (r.min_price, r.id),
    ProductSortField.NEWEST: lambda r: (r.created_at, r.id),
}


async def product_page(
    session: AsyncSession, q: ProductQuery, page: PageRequest, size: int, wanted: PageColumns = PageColumns()
) -> Page[Any]:
    """A page of product rows with the columns `wanted` names; with `wanted.count`, the number of
    products `q` finds (`Page.total`, None when the page is empty: then `product_count` tells)."""
    dialect = dialect_name(session)
    with_count = wanted.count
    if q.sort is None and q.search_terms:
        stmt = _page_select(q, dialect, wanted)
        rank = search.relevance(q.search_terms, dialect)
        stmt = stmt.add_columns(rank.label("relevance"))
        ordering = search.relevance_ordering(q.search_terms, rank)
        rows = await core_rows(
            session,
            keyset_statement(stmt, ordering, page),
            {**product_parameters(q), **keyset_parameters(ordering, page, size)},
        )
        return _counted(page_of(rows, ordering, page, size, lambda r: (r.relevance, r.name, r.id)), rows, with_count)
    ordering = _ordering(q)
    parameters = {**product_parameters(q), **keyset_parameters(ordering, page, size)}
    shape = _shape(q)
    if shape is None:
        statement = keyset_statement(_page_select(q, dialect, wanted), ordering, page)
    else:
        statement = _page_statement(shape, dialect, page_kind(page), wanted)
    rows = await core_rows(session, statement, parameters)
    return _counted(
        page_of(rows, ordering, page, size, _SORT_VALUES[q.sort or ProductSortField.NAME]), rows, with_count
    )


def _counted(found: Page[Any], rows: Sequence[Any], with_count: bool) -> Page[Any]:
    if with_count and rows:
        found.total = int(getattr(rows[0], TOTAL_COUNT) or 0)
    return found


async def product_count(session: AsyncSession, q: ProductQuery) -> int:
    dialect = dialect_name(session)
    shape = _shape(q)
    statement = count_statement_of(q, dialect) if shape is None else _count_statement(shape, dialect)
    rows = await core_rows(session, statement, product_parameters(q))
    return int(rows[0][0] or 0)
