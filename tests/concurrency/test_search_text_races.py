"""The search text under concurrent catalogue writes on PostgreSQL: two staff adding variants to one
product at once both end up in its text (each refresh would otherwise write what it saw before the
other committed, and the second would drop the first's SKU)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Product, ProductVariant
from tests.helpers import until


async def waiting_for_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return bool(await conn.scalar(sa.text(query)))


async def test_variants_added_at_once_are_both_in_the_search_text(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        product = await conn.scalar(sa.insert(Product).values(name="Tee", slug="tee").returning(Product.id))

    async with pg.connect() as first, pg.connect() as second:
        await first.begin()
        await first.execute(sa.insert(ProductVariant).values(product_id=product, sku="TEE-WHITE", name="白色"))
        await second.begin()
        blocked = asyncio.create_task(
            second.execute(sa.insert(ProductVariant).values(product_id=product, sku="TEE-BLACK", name="黑色"))
        )
        await until(lambda: waiting_for_a_lock(pg), "the second insert to wait for the first")
        await first.commit()
        await blocked
        await second.commit()

    async with pg.connect() as conn:
        body = await conn.scalar(sa.text("SELECT body FROM product_search WHERE product_id = :p"), {"p": product})
    assert "wwwhhhiiittteee" in body and "bbblllaaaccckkk" in body
