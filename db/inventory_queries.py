"""Inventory reads behind the dataloaders: one statement per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChannelLocation, Location, StockLevel


async def levels_by_variant_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[StockLevel]]:
    rows = (
        await session.scalars(
            sa.select(StockLevel)
            .where(StockLevel.variant_id.in_(ids))
            .order_by(StockLevel.variant_id, StockLevel.location_id)
        )
    ).all()
    grouped: dict[int, list[StockLevel]] = defaultdict(list)
    for r in rows:
        grouped[r.variant_id].append(r)
    return grouped


async def levels_by_pairs(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Stock levels keyed by (variant id, location id)."""
    wanted = set(keys)
    rows = (
        await session.scalars(
            sa.select(StockLevel).where(
                StockLevel.variant_id.in_({k[0] for k in keys}), StockLevel.location_id.in_({k[1] for k in keys})
            )
        )
    ).all()
    return {(r.variant_id, r.location_id): r for r in rows if (r.variant_id, r.location_id) in wanted}


def _sellable(channel_ids: set[int]) -> sa.ColumnElement[bool]:
    return StockLevel.location_id.in_(
        sa.select(ChannelLocation.location_id)
        .join(Location, Location.id == ChannelLocation.location_id)
        .where(ChannelLocation.channel_id.in_(channel_ids), Location.is_active)
    )


async def available_by_variant_channel(
    session: AsyncSession, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """Units a channel can sell of each variant: available stock summed over the channel's active locations."""
    channel_ids = {k[1] for k in keys}
    rows = await session.execute(
        sa.select(
            StockLevel.variant_id, ChannelLocation.channel_id, sa.func.sum(StockLevel.on_hand - StockLevel.reserved)
        )
        .join(ChannelLocation, ChannelLocation.location_id == StockLevel.location_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(
            StockLevel.variant_id.in_({k[0] for k in keys}),
            ChannelLocation.channel_id.in_(channel_ids),
            Location.is_active,
        )
        .group_by(StockLevel.variant_id, ChannelLocation.channel_id)
    )
    return {(v, c): int(total or 0) for v, c, total in rows}


async def channel_ids_by_location_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        sa.select(ChannelLocation.location_id, ChannelLocation.channel_id)
        .where(ChannelLocation.location_id.in_(ids))
        .order_by(ChannelLocation.channel_id)
    )
    grouped: dict[int, list[int]] = defaultdict(list)
    for location_id, channel_id in rows:
        grouped[location_id].append(channel_id)
    return grouped
