"""Inventory types: locations (warehouses and stores) and stock levels.

What a shopper needs of a stock level is `available`; `onHand` and `reserved` show sales
velocity and are for those who manage stock. A stock level of a product the caller may not see
(unpublished) is not reachable by id, except for those who manage stock.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.catalog_queries import rows_by_ids
from db.models import Location as LocationModel
from db.models import StockLevel as StockLevelModel
from domain.access.model import Permission
from schema.catalog.types import ProductVariant, visible_variant_ids
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.enums import LocationType
from schema.permissions import require
from schema.relay import Node, register_node
from schema.settlement.party import Party, party_of


@strawberry.type(description="When a store is open on one day of the week.")
class OpeningHours:
    day: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    opens: str = strawberry.field(description="Opening time, HH:MM local time.")
    closes: str = strawberry.field(description="Closing time, HH:MM local time.")


@strawberry.type(description="A postal address.")
class Address:
    line1: str | None = strawberry.field(description="Street and number.")
    city: str | None = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")


@strawberry.type(description="A warehouse or store that holds stock.")
class Location(Node):
    code: str = strawberry.field(description='Short unique code used by staff and tills ("SH01").')
    name: str = strawberry.field(description="Display name.")
    type: LocationType = strawberry.field(description="Warehouse or store.")
    address: Address = strawberry.field(description="Where it is.")
    latitude: float | None = strawberry.field(description="WGS84 latitude.")
    longitude: float | None = strawberry.field(description="WGS84 longitude.")
    opening_hours: list[OpeningHours] = strawberry.field(description="Opening hours by day; empty when unknown.")
    is_pickup_point: bool = strawberry.field(description="Customers can collect online orders here.")
    ships_to_home: bool = strawberry.field(description="Orders can be shipped to customers from here.")
    priority: int = strawberry.field(description="Allocation preference when distance does not decide (lower first).")
    is_active: bool = strawberry.field(description="Inactive locations sell nothing.")
    created_at: datetime = strawberry.field(description="When the location was created.")
    referral_code: str | None = strawberry.field(
        description="The code on its referral QR: a cart that carries it (`cartAttributionSet`) credits the store."
    )
    party_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The party it belongs to (a franchisee, a concession tenant...); null: the brand.")
    async def party(self, info: Info) -> Party | None:
        return await party_of(info, self.party_id)

    @strawberry.field(description="The channels that sell this location's stock.")
    async def channels(self, info: Info) -> list[Channel]:
        ids = await info.context.loaders.channel_ids_by_location.load(self.pk)
        rows = await info.context.loaders.channel_by_id.load_many(list(ids))
        return [Channel.from_model(r) for r in rows if r is not None]

    @classmethod
    def from_model(cls, m: LocationModel) -> Location:
        return cls(
            pk=m.id,
            code=m.code,
            name=m.name,
            type=m.type,
            latitude=m.latitude,
            longitude=m.longitude,
            address=Address(line1=m.address_line1, city=m.city, postal_code=m.postal_code, country=m.country),
            opening_hours=[
                OpeningHours(day=h["day"], opens=h["opens"], closes=h["closes"]) for h in (m.opening_hours or [])
            ],
            is_pickup_point=m.is_pickup_point,
            ships_to_home=m.ships_to_home,
            priority=m.priority,
            is_active=m.is_active,
            created_at=m.created_at,
            referral_code=m.referral_code,
            party_id=m.party_id,
        )


@strawberry.type(description="Stock of one variant at one location.")
class StockLevel(Node):
    units_on_hand: strawberry.Private[int]
    units_reserved: strawberry.Private[int]
    variant_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @strawberry.field(
        description="Units physically there. Only for staff and apps who manage stock "
        "(UNAUTHENTICATED / FORBIDDEN for others, who read `available`)."
    )
    def on_hand(self, info: Info) -> int:
        require(info, Permission.MANAGE_STOCK)
        return self.units_on_hand

    @strawberry.field(
        description="Units promised to orders not yet shipped or collected. Only for staff and "
        "apps who manage stock, like `onHand`."
    )
    def reserved(self, info: Info) -> int:
        require(info, Permission.MANAGE_STOCK)
        return self.units_reserved

    @strawberry.field(description="Units that can still be sold: onHand - reserved.")
    def available(self) -> int:
        return self.units_on_hand - self.units_reserved

    @strawberry.field(description="Where the stock is.")
    async def location(self, info: Info) -> Location:
        return Location.from_model(await info.context.loaders.location_by_id.load_existing(self.location_id))

    @strawberry.field(description="What the stock is of.")
    async def variant(self, info: Info) -> ProductVariant:
        return ProductVariant.from_model(await info.context.loaders.variant_by_id.load(self.variant_id))

    @classmethod
    def from_model(cls, m: StockLevelModel) -> StockLevel:
        return cls(
            pk=m.id,
            units_on_hand=m.on_hand,
            units_reserved=m.reserved,
            variant_id=m.variant_id,
            location_id=m.location_id,
        )


@strawberry.type(description="A store near a point, as `nearbyStores` finds it.")
class NearbyStore:
    location: Location = strawberry.field(description="The store.")
    distance_km: float = strawberry.field(
        description="Great-circle distance from the point searched from, in kilometres."
    )
    available: int | None = strawberry.field(
        description="Units of the searched variant available there now "
        "(onHand - reserved); null when no `variantId` was given."
    )


async def _fetch_locations(info: Info, ids: list[int]) -> list[Location | None]:
    rows = await info.context.loaders.location_by_id.load_many(ids)
    return [Location.from_model(r) if r else None for r in rows]


async def _fetch_levels(info: Info, ids: list[int]) -> list[StockLevel | None]:
    """Levels of products the caller sees (the catalogue's publication rule); all for stock managers."""
    found = await rows_by_ids(info.context.session, StockLevelModel, ids)
    if not info.context.principal.can(Permission.MANAGE_STOCK):
        visible = await visible_variant_ids(info, list({r.variant_id for r in found.values()}))
        found = {i: r for i, r in found.items() if r.variant_id in visible}
    return [StockLevel.from_model(found[i]) if i in found else None for i in ids]


register_node("Location", _fetch_locations)
register_node("StockLevel", _fetch_levels)
