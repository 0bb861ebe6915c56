"""Catalogue query inputs: product filters and sort orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from domain.catalog import model as domain
from schema.enums import graphql_enum

# Classes made at run time: `Any` to mypy, so that the fields below can name them as their types.
ProductSortField: Any = graphql_enum(
    domain.ProductSortField,
    "What to sort products by.",
    {
        "NAME": "Name, A to Z.",
        "PRICE": "Lowest variant price in the channel, cheapest first.",
        "NEWEST": "Creation time, newest first.",
    },
)
SortDirection: Any = graphql_enum(
    domain.SortDirection,
    "Sort direction.",
    {
        "ASC": "The field's natural order.",
        "DESC": "The reverse.",
    },
)


@strawberry.input(description="An inclusive price range in the channel's currency.")
class PriceRangeInput:
    gte: Decimal | None = strawberry.field(default=None, description="At least this price.")
    lte: Decimal | None = strawberry.field(default=None, description="At most this price.")


@strawberry.input(description="Products with a variant whose attribute `name` has one of `values`.")
class AttributeFilterInput:
    name: str = strawberry.field(description="The attribute's key: `colour`, `size`.")
    values: list[str] = strawberry.field(description="Any of these values will do (at most 50).")


@strawberry.input(description="Narrow a product list. All given conditions must hold.")
class ProductFilter:
    categories: list[strawberry.ID] | None = strawberry.field(
        default=None, description="In any of these categories or their subcategories."
    )
    price: PriceRangeInput | None = strawberry.field(
        default=None, description="With a variant priced in this range in the channel."
    )
    is_available: bool | None = strawberry.field(
        default=None, description="Purchasable in the channel (true) or not (false)."
    )
    attributes: list[AttributeFilterInput] | None = strawberry.field(
        default=None, description="With variants of these attributes: every name given must match."
    )


@strawberry.input(description="How to order a product list.")
class ProductSort:
    field: ProductSortField = strawberry.field(
        description="NAME (A to Z), PRICE (lowest variant price in the channel, cheapest first; products "
        "without a price there are left out) or NEWEST (most recently created first)."
    )
    direction: SortDirection = strawberry.field(
        default=domain.SortDirection.ASC, description="DESC reverses the field's natural order."
    )
