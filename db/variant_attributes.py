"""Variant attributes in SQL: the repository of `productVariantAttributesSet`, the batch read behind
`ProductVariant.attributes`, and the condition a product list filters by
(`ix_variant_attributes_name_value_product_id` answers it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Product, ProductVariant, VariantAttribute
from db.sql import any_of
from domain.catalog.attributes import Attribute

# A product list's attribute filter: (name, the values any of which will do), every name must match.
AttributeFilter = tuple[str, tuple[str, ...]]


def having_attributes(filters: Sequence[AttributeFilter]) -> list[sa.ColumnElement[bool]]:
    """For each filter: some variant of the product has the attribute with one of the values."""
    return [
        sa.exists().where(
            VariantAttribute.product_id == Product.id,
            VariantAttribute.name == name,
            VariantAttribute.value.in_(values),
        )
        for name, values in filters
    ]


async def attributes_by_variant_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each variant's attributes (rows of name, value), by name, in one statement."""
    rows = (
        await session.execute(
            sa.select(VariantAttribute.variant_id, VariantAttribute.name, VariantAttribute.value)
            .where(any_of(session, VariantAttribute.variant_id, ids))
            .order_by(VariantAttribute.variant_id, VariantAttribute.name)
        )
    ).all()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.variant_id].append(r)
    return grouped


class SqlVariantAttributes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def variant_product(self, variant_id: int) -> int | None:
        found: int | None = await self.session.scalar(
            sa.select(ProductVariant.product_id).where(ProductVariant.id == variant_id)
        )
        return found

    async def replace_attributes(self, variant_id: int, product_id: int, attributes: list[Attribute]) -> None:
        await self.session.execute(sa.delete(VariantAttribute).where(VariantAttribute.variant_id == variant_id))
        if attributes:
            await self.session.execute(
                sa.insert(VariantAttribute),
                [
                    {"variant_id": variant_id, "product_id": product_id, "name": a.name, "value": a.value}
                    for a in attributes
                ],
            )
