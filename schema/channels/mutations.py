"""Channel administration mutations (staff with MANAGE_CHANNELS)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.catalog import structure_services as services
from schema.channels.inputs import ChannelCreateInput, ChannelUpdateInput
from schema.channels.types import Channel
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.permissions import require
from schema.relay import key_of

NewChannel = Annotated[ChannelCreateInput, strawberry.argument(description="The new channel.")]
ChannelChanges = Annotated[ChannelUpdateInput, strawberry.argument(description="What to change.")]
ChannelId = Annotated[strawberry.ID, strawberry.argument(description="The channel to change.")]


@strawberry.type(description="Result of `channelCreate`.")
class ChannelCreatePayload:
    channel: Channel | None = strawberry.field(description="The new channel.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `channelUpdate`.")
class ChannelUpdatePayload:
    channel: Channel | None = strawberry.field(description="The channel as changed.")
    user_errors: list[UserError] = user_errors_field()


async def _channel(info: Info, channel_id: int | None) -> Channel | None:
    row = await info.context.loaders.channel_by_id.load(channel_id) if channel_id is not None else None
    return Channel.from_model(row) if row else None


@strawberry.type
class ChannelMutation:
    @strawberry.mutation(description="Create a sales channel. Staff with the manage-channels permission only.")
    async def channel_create(self, info: Info, input: NewChannel) -> ChannelCreatePayload:
        require(info, Permission.MANAGE_CHANNELS)
        channel_id, errors = await run_mutation(
            info, lambda: services.create_channel(info.context.uow, input.to_command())
        )
        info.context.services.channels.clear()  # a new default channel replaces the cached one
        return ChannelCreatePayload(channel=await _channel(info, channel_id), user_errors=errors)

    @strawberry.mutation(
        description="Change a sales channel. Its currency cannot change once variants are "
        "priced in it. Staff with the manage-channels permission only."
    )
    async def channel_update(self, info: Info, id: ChannelId, input: ChannelChanges) -> ChannelUpdatePayload:
        require(info, Permission.MANAGE_CHANNELS)
        channel_id, errors = await run_mutation(
            info, lambda: services.update_channel(info.context.uow, input.to_command(key_of(id, "Channel")))
        )
        info.context.services.channels.clear()
        return ChannelUpdatePayload(channel=await _channel(info, channel_id), user_errors=errors)
