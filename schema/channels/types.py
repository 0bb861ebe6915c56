"""The `Channel` type and how a `channel:` argument becomes a channel."""

from __future__ import annotations

from typing import NamedTuple

import strawberry

from db.channel_queries import DEFAULT_CHANNEL_KEY
from db.models import Channel as ChannelModel
from domain.orders.cart_rules import channel_shipping
from schema.channels.enums import ChannelKind, ChannelOwnership, FulfillmentRouting
from schema.context import Info
from schema.errors import ErrorCode, coded_error
from schema.money import Money
from schema.relay import Node, register_node
from schema.settlement.party import Party, party_of


@strawberry.type(
    description="A channel's delivery charge (DELIVERY and ENDLESS_AISLE orders; pickup and "
    "in-store sales ship nothing)."
)
class ChannelShipping:
    flat_rate: Money = strawberry.field(description="The charge per order.")
    free_over: Money | None = strawberry.field(description="Merchandise at or above this ships free; null: never.")


@strawberry.type(
    description="A sales context (app, mini-program, POS...) with its own currency, prices and product publication."
)
class Channel(Node):
    slug: str = strawberry.field(description="What clients pass as `channel:`.")
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="ISO 4217 currency the channel sells in.")
    kind: ChannelKind = strawberry.field(description="The touchpoint kind.")
    ownership: ChannelOwnership = strawberry.field(
        description="Who operates it (direct, franchise, consignment, platform)."
    )
    is_default: bool = strawberry.field(description="Used when a client names no channel.")
    is_active: bool = strawberry.field(description="Inactive channels are hidden from storefronts.")
    shipping: ChannelShipping = strawberry.field(description="What delivery costs in this channel.")
    routing: FulfillmentRouting = strawberry.field(
        description="Which locations ship its deliveries (set with `channelUpdate`)."
    )
    party_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The party that operates it (a franchisee, a platform...); null: the brand.")
    async def party(self, info: Info) -> Party | None:
        return await party_of(info, self.party_id)

    @classmethod
    def from_model(cls, m: ChannelModel) -> Channel:
        rule = channel_shipping(m.shipping_flat_rate, m.shipping_free_over)
        shipping = ChannelShipping(
            flat_rate=Money.of(rule.flat_rate, m.currency),
            free_over=Money.of(rule.free_over, m.currency) if rule.free_over is not None else None,
        )
        return cls(
            pk=m.id,
            slug=m.slug,
            name=m.name,
            currency=m.currency,
            kind=m.kind,
            ownership=m.ownership,
            is_default=m.is_default,
            is_active=m.is_active,
            shipping=shipping,
            routing=m.routing,
            party_id=m.party_id,
        )


async def channel_for(info: Info, slug: str | None) -> ChannelModel:
    """The channel a `channel:` argument names; omitted means the default channel. Served from the
    app's channel cache (schema/channels/cache.py) when it has it."""
    if slug is not None and len(slug) > 100:
        raise coded_error("Unknown channel.", ErrorCode.NOT_FOUND)
    key = slug or DEFAULT_CHANNEL_KEY
    cache = info.context.services.channels
    channel = cache.get(key)
    if channel is None:
        generation = cache.generation
        channel = await info.context.loaders.channel_by_slug.load(key)
        if channel is not None:
            cache.put(key, channel, generation)
    if channel is None or (not channel.is_active and slug is not None):
        raise coded_error(
            f"Channel '{slug}' does not exist." if slug else "No default channel is set up.", ErrorCode.NOT_FOUND
        )
    return channel


async def _fetch_channels(info: Info, ids: list[int]) -> list[Channel | None]:
    rows = await info.context.loaders.channel_by_id.load_many(ids)
    return [Channel.from_model(r) if r is not None else None for r in rows]


register_node("Channel", _fetch_channels)

__all__ = ["Channel", "ChannelKind", "ChannelOwnership", "channel_for"]


class Selling(NamedTuple):
    """The channel a page's variants were fetched in, as their `price` and `stock` read it: plain
    attributes (the ORM's are a Python call each, and a page reads them three times a variant)."""

    id: int
    slug: str
    currency: str


def selling(channel: ChannelModel) -> Selling:
    return Selling(channel.id, channel.slug, channel.currency)
