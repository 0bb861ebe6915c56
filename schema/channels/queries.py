"""Channel queries."""

from __future__ import annotations

import strawberry

from db.channel_queries import all_channels
from schema.channels.types import Channel
from schema.context import Info


@strawberry.type
class ChannelQuery:
    @strawberry.field(description="The active sales channels; the default one first.")
    async def channels(self, info: Info) -> list[Channel]:
        return [Channel.from_model(c) for c in await all_channels(info.context.session)]
