"""The published-product counts the triggers keep (migration 0028) equal a count of the listings after
every kind of write, folded or not, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.jobs import fold_published_counts
from db.demo import seed_demo

KEPT = "SELECT channel_id, sum(delta) FROM published_product_counts GROUP BY channel_id HAVING sum(delta) <> 0"
LAST_CHANNEL = "(SELECT max(id) FROM channels)"
COUNTED = "SELECT channel_id, count(*) FROM product_channel_listings WHERE is_published GROUP BY channel_id"


async def _rows(engine: AsyncEngine, sql: str) -> dict[int, int]:
    async with engine.connect() as conn:
        return {c: int(n) for c, n in (await conn.execute(sa.text(sql))).all()}


async def _agree(engine: AsyncEngine) -> dict[int, int]:
    kept = await _rows(engine, KEPT)
    assert kept == await _rows(engine, COUNTED)
    return kept


async def _write(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as conn:
        for sql in statements:
            await conn.execute(sa.text(sql))


async def _changes(conn: AsyncConnection) -> int:
    return int(await conn.scalar(sa.text("SELECT count(*) FROM published_product_counts")) or 0)


@pytest.fixture
async def shop(engine: AsyncEngine) -> AsyncEngine:
    await seed_demo(engine, products=30, seed=1, promotions=False, settlement=False)
    return engine


async def test_the_counts_follow_every_write_to_the_listings(shop: AsyncEngine) -> None:
    first = await _agree(shop)
    assert len(first) == 2 and all(n > 10 for n in first.values())

    await _write(shop, "UPDATE product_channel_listings SET is_published = NOT is_published WHERE id % 3 = 0")
    await _agree(shop)

    # a write that leaves publication alone adds nothing
    async with shop.connect() as conn:
        before = await _changes(conn)
    await _write(shop, "UPDATE product_channel_listings SET min_price = max_price")
    async with shop.connect() as conn:
        assert await _changes(conn) == before

    # a listing moved to the other channel (its product had none there), published or not
    await _write(
        shop,
        f"DELETE FROM product_channel_listings WHERE product_id IN (1, 2) AND channel_id = {LAST_CHANNEL}",
        f"UPDATE product_channel_listings SET channel_id = {LAST_CHANNEL} WHERE product_id IN (1, 2)",
    )
    await _agree(shop)

    # products deleted take their listings with them (a cascade)
    await _write(shop, "DELETE FROM products WHERE id IN (3, 4, 5)")
    await _agree(shop)

    # listings added, several in one statement
    await _write(
        shop,
        "INSERT INTO product_channel_listings (product_id, channel_id, is_published, updated_at) "
        "SELECT p.id, c.id, p.id % 2 = 0, CURRENT_TIMESTAMP FROM products p CROSS JOIN channels c "
        "WHERE p.id IN (1, 2) AND c.id = (SELECT min(id) FROM channels)",
    )
    unfolded = await _agree(shop)

    async with shop.connect() as conn:
        assert await _changes(conn) > 2
    assert await fold_published_counts(shop) > 2
    assert await _agree(shop) == unfolded
    async with shop.connect() as conn:
        assert await _changes(conn) == 2  # a row per channel
    assert await fold_published_counts(shop) == 0  # nothing more to fold

    # a channel deleted takes its listings with it, and its count goes to nothing
    await _write(shop, f"DELETE FROM channels WHERE id = {LAST_CHANNEL}")
    assert len(await _agree(shop)) == 1
    await fold_published_counts(shop)
    assert len(await _agree(shop)) == 1


async def test_folding_leaves_a_change_not_yet_committed_to_count_when_it_is(pg: AsyncEngine) -> None:
    await seed_demo(pg, products=10, seed=1, promotions=False, settlement=False)
    await _write(pg, "UPDATE product_channel_listings SET is_published = NOT is_published WHERE id % 2 = 0")
    async with pg.connect() as writer:
        async with writer.begin():
            await writer.execute(sa.text("UPDATE product_channel_listings SET is_published = NOT is_published"))
            await fold_published_counts(pg)  # beside the open transaction: it neither waits nor takes its rows
        await _agree(pg)
    await fold_published_counts(pg)
    await _agree(pg)


async def test_truncating_the_listings_empties_the_counts(pg: AsyncEngine) -> None:
    await seed_demo(pg, products=10, seed=1, promotions=False, settlement=False)
    await _write(pg, "TRUNCATE product_channel_listings")
    assert await _agree(pg) == {}
