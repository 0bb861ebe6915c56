"""What promotions know of a variant: its product, and its category with every category above it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.models import Category, Product, ProductVariant
from db.promotions import catalogue_facts


async def test_a_variant_in_a_subcategory_counts_as_in_every_category_above_it(demo: AsyncEngine) -> None:
    async with demo.connect() as conn:
        parents = dict((await conn.execute(sa.select(Category.id, Category.parent_id))).all())
        rows = (
            await conn.execute(
                sa.select(ProductVariant.id, Product.id, Product.category_id)
                .join(Product, Product.id == ProductVariant.product_id)
                .order_by(ProductVariant.id)
            )
        ).all()
    nested = [r for r in rows if r[2] is not None and parents[r[2]] is not None][:3]
    assert nested, "the demo catalogue has products in subcategories"
    expected = {}
    for variant, product, category in [*nested, rows[0]]:
        above: set[int] = set()
        while category is not None:
            above.add(category)
            category = parents[category]
        expected[variant] = (product, frozenset(above))
    async with create_session_factory(demo)() as session:
        assert await catalogue_facts(session, list(expected)) == expected
