"""The `engine` fixture's emptying (tests/conftest.py truncate_all): after it a database is as a
freshly migrated one, every table empty and every id counted from 1 again, whatever ran before."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from db.models import Base, Category
from tests.conftest import truncate_all


async def test_every_table_is_emptied_and_every_id_starts_again(engine: AsyncEngine) -> None:
    await seed_demo(engine, products=5, seed=1, members=3, orders=5)
    await truncate_all(engine)
    async with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table.name
        if engine.dialect.name == "postgresql":
            assert await conn.scalar(sa.text("SELECT count(*) FROM product_search")) == 0
        made = await conn.execute(sa.insert(Category).values(name="First", slug="first").returning(Category.id))
        assert made.scalar_one() == 1
