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
from db.sql import AnySelect

Counts = PublishedProductCount


def published_count_statement(channel_id: sa.BindParameter[int]) -> AnySelect:
    """The number of products the channel `channel_id` publishes (0 without rows)."""
    total = sa.cast(sa.func.coalesce(sa.func.sum(Counts.delta), 0), sa.BigInteger)
    return sa.select(total).where(Counts.channel_id == channel_id)


async def fold(session: AsyncSession) -> int:
    """Replace the rows of each channel that has several by their sum (none when it is 0), in the
    session's transaction; how many rows went. The rows summed are exactly those the DELETE took
    (RETURNING): a change another transaction has not committed yet is not among them and stays."""
    crowded = sa.select(Counts.channel_id).group_by(Counts.channel_id).having(sa.func.count() > 1)
    taken = (
        await session.execute(
            sa.delete(Counts).where(Counts.channel_id.in_(crowded)).returning(Counts.channel_id, Counts.delta),
            execution_options={"synchronize_session": False},  # no object of these rows is ever loaded
        )
    ).all()
    sums: dict[int, int] = {}
    for channel_id, delta in taken:
        sums[channel_id] = sums.get(channel_id, 0) + delta
    kept = [{"channel_id": channel_id, "delta": n} for channel_id, n in sums.items() if n]
    if kept:
        await session.execute(sa.insert(Counts), kept)
    return len(taken)


async def recount(conn: AsyncConnection) -> None:
    """Count every channel's published listings afresh, for a bulk load that skipped the triggers
    (db/demo.py loads with `session_replication_role = replica`). In the load's transaction: a write
    committed between its two statements would be counted twice."""
    Listing = ProductChannelListing
    await conn.execute(sa.delete(Counts))
    await conn.execute(
        sa.insert(Counts).from_select(
            ["channel_id", "delta"],
            sa.select(Listing.channel_id, sa.func.count()).where(Listing.is_published).group_by(Listing.channel_id),
        )
    )
