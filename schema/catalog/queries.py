"""Catalogue queries: products (search, filter, sort, keyset pages), one product, categories."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from db import catalog_queries as cq
from db.pagination import count
from db.product_list import PageColumns, ProductQuery, product_count, product_page
from db.variant_attributes import AttributeFilter
from domain.catalog.access import sees_product, sees_unpublished
from domain.catalog.attributes import MAX_FILTER_VALUES, attribute_name
from domain.catalog.model import ProductSortField, SortDirection, search_terms
from schema.catalog.inputs import AttributeFilterInput, ProductFilter, ProductSort
from schema.catalog.prefetch import prefetch_products, wants
from schema.catalog.types import UNLOADED, Category, ChannelArg, Product
from schema.channels.types import channel_for
from schema.context import Info
from schema.errors import bad_input
from schema.pagination import After, Before, Connection, First, Last, counted_connection, list_connection
from schema.relay import decode_id
from schema.selections import names_at

IdArg = Annotated[strawberry.ID | None, strawberry.argument(description="Global ID (give this or `slug`).")]
SlugArg = Annotated[str | None, strawberry.argument(description="Slug (give this or `id`).")]
MAX_SEARCH = 100


def _price(value: Decimal | None, name: str) -> Decimal | None:
    if value is not None and (not value.is_finite() or value < 0):
        raise bad_input(f"`filter.price.{name}` must be a non-negative number.")
    return value


def _attributes(filters: list[AttributeFilterInput] | None) -> tuple[AttributeFilter, ...]:
    checked = []
    for i, f in enumerate(filters or ()):
        name = attribute_name(f.name)
        if name is None or len(f.values) > MAX_FILTER_VALUES:
            raise bad_input(f"`filter.attributes[{i}]`: a key like `colour` and at most {MAX_FILTER_VALUES} values.")
        checked.append((name, tuple(v.strip() for v in f.values)))
    return tuple(checked)


def _product_query(
    info: Info, channel_id: int, search: str | None, f: ProductFilter | None, sort: ProductSort | None
) -> ProductQuery:
    if search is not None and len(search) > MAX_SEARCH:
        raise bad_input(f"`search` is at most {MAX_SEARCH} characters.")
    category_ids: list[int] = []
    for raw in (f.categories or []) if f else []:
        key = decode_id(raw, "Category")
        if key is None:
            raise bad_input(f"`filter.categories`: '{raw[:50]}' is not a category id.")
        category_ids.append(key)
    price = f.price if f else None
    return ProductQuery(
        channel_id=channel_id,
        include_unpublished=sees_unpublished(info.context.principal),
        search_terms=search_terms(search),
        category_ids=category_ids or None,
        price_gte=_price(price.gte, "gte") if price else None,
        price_lte=_price(price.lte, "lte") if price else None,
        available=f.is_available if f else None,
        attributes=_attributes(f.attributes if f else None),
        sort=ProductSortField(sort.field.value) if sort else None,
        descending=bool(sort and sort.direction.value == SortDirection.DESC.value),
    )


# The product list's connection: its resolver awaits the count up front when `totalCount` is selected.
ProductConnection = counted_connection(Product, "ProductConnection")


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Products in a channel, searchable, filterable and sortable. Anonymous "
        "callers and members see only products published in the channel."
    )
    async def products(
        self,
        info: Info,
        channel: ChannelArg = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words to look for, case-insensitive: every word must be in the product's name, "
                "description, a variant's SKU, a variant's name or a variant's attribute values (its colour, "
                'size); Chinese needs no spaces ("纯棉 T恤", "白色"). Best matches (words in the name) first '
                "unless `sortBy` is given."
            ),
        ] = None,
        filter: Annotated[
            ProductFilter | None, strawberry.argument(description="Conditions to narrow the list.")
        ] = None,
        sort_by: Annotated[
            ProductSort | None,
            strawberry.argument(description="Order; by relevance when searching, else NAME A to Z, by default."),
        ] = None,
    ) -> ProductConnection:  # type: ignore[valid-type]
        ch = await channel_for(info, channel)
        q = _product_query(info, ch.id, search, filter, sort_by)
        session = info.context.session
        if q.category_ids is not None:
            q = dataclasses.replace(q, category_ids=await cq.category_subtrees(session, q.category_ids))

        wanted = wants(info, "products", "edges", "node")
        columns = PageColumns(
            details=wanted.details,
            listing=wanted.listing,
            category=wanted.category and not wanted.parents,  # the page's statement reads them
            count="totalCount" in names_at(info, "products"),
        )
        loaders = info.context.loaders

        def node(row: Any) -> Product:
            listing = UNLOADED
            if columns.listing:
                listing = cq.listing_of(row)
                loaders.product_listing.prime((row.id, ch.id), listing)
            if columns.category and (category := cq.category_of(row)) is not None:
                loaders.category_by_id.prime(category.id, category)
            return Product.from_model(row, channel, ch, listing, columns.details)

        total: int | None = None

        async def fetch(request: Any, size: int) -> Any:
            nonlocal total
            found = await product_page(session, q, request, size, columns)
            total = found.total  # the page's statement counted the list (None when the page is empty)
            return found

        page = await list_connection(first, after, last, before, fetch, node, lambda: product_count(session, q))
        products = ProductConnection(edges=page.edges, page_info=page.page_info, count_total=page.count_total)
        if total is not None:
            products.counted = total
        elif columns.count:
            await products.count_now()
        await prefetch_products(info, [e.node for e in page.edges], wanted, ch)
        return products

    @strawberry.field(
        description="One product by id or slug; null when it does not exist or is not "
        "visible to the caller in the channel."
    )
    async def product(
        self, info: Info, id: IdArg = None, slug: SlugArg = None, channel: ChannelArg = None
    ) -> Product | None:
        if (id is None) == (slug is None):
            raise bad_input("Pass exactly one of `id` and `slug`.")
        ch = await channel_for(info, channel)
        key = decode_id(id, "Product") if id is not None else None
        if (id is not None and key is None) or (slug is not None and not 0 < len(slug) <= 100):
            return None
        found = await cq.product_in_channel(info.context.session, ch.id, id=key, slug=slug)
        if found is None:
            return None
        row, listing = found
        info.context.loaders.product_listing.prime((row.id, ch.id), listing)
        if not sees_product(info.context.principal, listing is not None and listing.is_published):
            return None
        product = Product.from_model(row, channel, ch, listing)
        await prefetch_products(info, [product], wants(info, "product"), ch)
        return product

    @strawberry.field(description="Categories, by name.")
    async def categories(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Category]:
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: cq.category_page(session, request, size),
            lambda row: Category.from_model(row[0]),
            lambda: count(session, cq.category_statement()),
        )

    @strawberry.field(description="One category by id or slug.")
    async def category(self, info: Info, id: IdArg = None, slug: SlugArg = None) -> Category | None:
        if (id is None) == (slug is None):
            raise bad_input("Pass exactly one of `id` and `slug`.")
        loaders = info.context.loaders
        if id is not None:
            key = decode_id(id, "Category")
            row = await loaders.category_by_id.load(key) if key is not None else None
        else:
            row = await loaders.category_by_slug.load(slug) if slug and len(slug) <= 100 else None
        return Category.from_model(row) if row else None
