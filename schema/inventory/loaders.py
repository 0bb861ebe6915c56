"""The inventory's dataloaders: locations, stock levels and the units a channel can sell."""

from __future__ import annotations

from collections.abc import Sequence

from db import inventory_queries as iq
from db.models import Location, StockLevel
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class LocationByIdLoader(OptionalLoader[int, Location]):
    fetch = staticmethod(by_id(Location))


class ChannelIdsByLocationLoader(BatchLoader[int, Sequence[int]]):
    fetch = staticmethod(iq.channel_ids_by_location_ids)
    missing = ()


class StockLevelsByVariantLoader(BatchLoader[int, Sequence[StockLevel]]):
    fetch = staticmethod(iq.levels_by_variant_ids)
    missing = ()


class StockLevelByVariantLocationLoader(OptionalLoader[tuple[int, int], StockLevel]):
    """Key (variant id, location id)."""

    fetch = staticmethod(iq.levels_by_pairs)


class AvailableByVariantChannelLoader(BatchLoader[tuple[int, int], int]):
    """Key (variant id, channel id): units the channel's locations can sell."""

    fetch = staticmethod(iq.available_by_variant_channel)
    missing = 0
