"""The channels' dataloaders."""

from __future__ import annotations

from db.channel_queries import channels_by_slugs
from db.models import Channel
from schema.batch_loader import OptionalLoader, by_id


class ChannelBySlugLoader(OptionalLoader[str, Channel]):
    """Key "" is the default channel."""

    fetch = staticmethod(channels_by_slugs)


class ChannelByIdLoader(OptionalLoader[int, Channel]):
    fetch = staticmethod(by_id(Channel))
