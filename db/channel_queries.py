"""Channel reads: the active channels, and channels by slug for the per-request channel loader."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel

DEFAULT_CHANNEL_KEY = ""


async def channels_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Channel]:
    """Channels by slug; the key "" stands for the default channel."""
    named = [s for s in slugs if s != DEFAULT_CHANNEL_KEY]
    rows = (
        await session.scalars(sa.select(Channel).where(sa.or_(Channel.slug.in_(named), Channel.is_default.is_(True))))
    ).all()
    found: dict[str, Channel] = {r.slug: r for r in rows if r.slug in named}
    default = next((r for r in rows if r.is_default), None)
    if default is not None:
        found[DEFAULT_CHANNEL_KEY] = default
    return found


async def all_channels(session: AsyncSession) -> list[Channel]:
    return list(
        (
            await session.scalars(
                sa.select(Channel).where(Channel.is_active).order_by(Channel.is_default.desc(), Channel.slug)
            )
        ).all()
    )
