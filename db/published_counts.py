"""How many products each channel publishes, read from `published_product_counts` (migration 0028).

Triggers on `product_channel_listings` add a row of +n or -n there in the transaction of every write
that changes what a channel publishes, so the sum of a channel's rows is its number of published
listings in any snapshot, folded or not. `fold` replaces a channel's rows by their sum, so that the
sum reads a row or a few: every worker runs it now and then (api/jobs.py `run_count_folding`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import ProductChannelListing, PublishedProductCount

_counts = PublishedProductCount.__table__


def published_count_statement(channel_id: sa.BindParameter[int]) -> sa.Select[tuple[int]]:
    """The number of products the channel `channel_id` publishes (0 without rows)."""
    total = sa.cast(sa.func.coalesce(sa.func.sum(_counts.c.delta), 0), sa.BigInteger)
    return sa.select(total).where(_counts.c.channel_id == channel_id)


async def fold(session: AsyncSession) -> int:
    """Replace the rows of each channel that has several by their sum (none when it is 0), in the
    session's transaction; how many rows went. The rows summed are exactly those the DELETE took
    (RETURNING): a change another transaction has not committed yet is not among them and stays."""
    crowded = sa.select(_counts.c.channel_id).group_by(_counts.c.channel_id).having(sa.func.count() > 1)
    taken = (
        await session.execute(
            sa.delete(_counts).where(_counts.c.channel_id.in_(crowded)).returning(_counts.c.channel_id, _counts.c.delta)
        )
    ).all()
    sums: dict[int, int] = {}
    for channel_id, delta in taken:
        sums[channel_id] = sums.get(channel_id, 0) + delta
    kept = [{"channel_id": channel_id, "delta": n} for channel_id, n in sums.items() if n]
    if kept:
        await session.execute(sa.insert(_counts), kept)
    return len(taken)


async def recount(conn: AsyncConnection) -> None:
    """Count every channel's published listings afresh, for a bulk load that skipped the triggers
    (db/demo.py loads with `session_replication_role = replica`). In the load's transaction: a write
    committed between its two statements would be counted twice."""
    listings = ProductChannelListing.__table__
    await conn.execute(sa.delete(_counts))
    await conn.execute(
        sa.insert(_counts).from_select(
            ["channel_id", "delta"],
            sa.select(listings.c.channel_id, sa.func.count())
            .where(listings.c.is_published)
            .group_by(listings.c.channel_id),
        )
    )
