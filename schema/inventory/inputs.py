"""Inventory inputs: stock movements and transfers, locations to create or change, and the filters of
the stock records lists."""

from __future__ import annotations

import strawberry

from domain.catalog.commands import KEEP
from domain.inventory import locations as rules
from domain.inventory import model as domain
from schema.inventory.enums import LocationType, StockAdjustKind, StockTransferStatus


@strawberry.input(description="Count stock in or out at one location.")
class StockAdjustInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    location_id: strawberry.ID = strawberry.field(description="The warehouse or store.")
    delta: int = strawberry.field(
        description="Units to add (positive) or remove (negative); reserved units cannot be removed."
    )
    reason: str = strawberry.field(description="Why, for the movement ledger (at most 250 characters).")
    kind: StockAdjustKind | None = strawberry.field(default=None, description="ADJUSTMENT (default) or RECEIVE.")


@strawberry.input(description="Move available units from one location to another.")
class StockTransferInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    from_location_id: strawberry.ID = strawberry.field(description="Where the units leave.")
    to_location_id: strawberry.ID = strawberry.field(description="Where they arrive.")
    quantity: int = strawberry.field(description="How many units (at least 1).")


CHANNELS = "Slugs of the channels that sell this location's stock (unknown slugs: NOT_FOUND)."


@strawberry.input(description="A location's postal address.")
class LocationAddressInput:
    line1: str | None = strawberry.field(default=None, description="Street and number (at most 250 characters).")
    city: str | None = strawberry.field(default=None, description="City (at most 100 characters).")
    postal_code: str | None = strawberry.field(default=None, description="Postal code (at most 20 characters).")
    country: str | None = strawberry.field(default=None, description='ISO 3166-1 alpha-2 code ("CN").')

    def to_domain(self) -> rules.Address:
        return rules.Address(self.line1, self.city, self.postal_code, self.country)


@strawberry.input(description="One opening period; a day may have several that do not overlap.")
class OpeningHoursInput:
    day: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    opens: str = strawberry.field(description="Opening time, HH:MM on a 24-hour clock, local time.")
    closes: str = strawberry.field(description="Closing time, HH:MM, later than `opens`.")


def _hours(entries: list[OpeningHoursInput] | None) -> list[rules.OpeningHours]:
    return [rules.OpeningHours(e.day, e.opens, e.closes) for e in entries or ()]


@strawberry.input(description="A new warehouse or store.")
class LocationCreateInput:
    code: str = strawberry.field(
        description='Unique code staff and tills use: 1 to 32 letters, digits or hyphens, stored upper-case ("SH01").'
    )
    name: str = strawberry.field(description="Display name; cannot be blank.")
    type: LocationType = strawberry.field(description="Warehouse or store.")
    address: LocationAddressInput | None = strawberry.field(default=None, description="Where it is.")
    latitude: float | None = strawberry.field(
        default=None, description="WGS84 latitude, -90 to 90; a store needs it (with `longitude`)."
    )
    longitude: float | None = strawberry.field(default=None, description="WGS84 longitude, -180 to 180.")
    opening_hours: list[OpeningHoursInput] | None = strawberry.field(
        default=None, description="When it is open; none when omitted."
    )
    is_pickup_point: bool = strawberry.field(
        default=False, description="Customers can collect online orders here (stores only)."
    )
    ships_to_home: bool = strawberry.field(default=False, description="Orders can be shipped from here.")
    priority: int = strawberry.field(
        default=100, description="Allocation preference when distance does not decide, 0 to 10000 (lower first)."
    )
    is_active: bool = strawberry.field(default=True, description="Inactive locations sell nothing.")
    channels: list[str] | None = strawberry.field(default=None, description=CHANNELS + " None when omitted.")

    def to_command(self) -> rules.LocationCreate:
        return rules.LocationCreate(
            code=self.code,
            name=self.name,
            type=domain.LocationType(self.type.value),
            address=self.address.to_domain() if self.address else rules.Address(),
            latitude=self.latitude,
            longitude=self.longitude,
            opening_hours=_hours(self.opening_hours),
            is_pickup_point=self.is_pickup_point,
            ships_to_home=self.ships_to_home,
            priority=self.priority,
            is_active=self.is_active,
            channels=self.channels or (),
        )


@strawberry.input(description="Changes to a location; omitted fields stay as they are.")
class LocationUpdateInput:
    code: str | None = strawberry.field(default=None, description="A new unique code.")
    name: str | None = strawberry.field(default=None, description="Display name; cannot be blank.")
    type: LocationType | None = strawberry.field(default=None, description="Warehouse or store.")
    address: strawberry.Maybe[LocationAddressInput | None] = strawberry.field(
        description="The new address, replacing the whole old one; null clears it."
    )
    latitude: strawberry.Maybe[float | None] = strawberry.field(
        description="WGS84 latitude; null clears it (warehouses only)."
    )
    longitude: strawberry.Maybe[float | None] = strawberry.field(description="WGS84 longitude; null clears it.")
    opening_hours: strawberry.Maybe[list[OpeningHoursInput] | None] = strawberry.field(
        description="The new opening hours, replacing the old ones; null or [] clears them."
    )
    is_pickup_point: bool | None = strawberry.field(
        default=None, description="Customers can collect online orders here (stores only)."
    )
    ships_to_home: bool | None = strawberry.field(default=None, description="Orders can be shipped from here.")
    priority: int | None = strawberry.field(default=None, description="Allocation preference, 0 to 10000.")
    is_active: bool | None = strawberry.field(default=None, description="Inactive locations sell nothing.")
    channels: list[str] | None = strawberry.field(
        default=None, description=CHANNELS + " Replaces the current set; [] unlinks every channel."
    )

    def to_command(self, location_id: int) -> rules.LocationUpdate:
        address = self.address.value if self.address is not None else None
        return rules.LocationUpdate(
            location_id=location_id,
            code=self.code,
            name=self.name,
            type=domain.LocationType(self.type.value) if self.type is not None else None,
            address=KEEP if self.address is None else address.to_domain() if address else rules.Address(),
            latitude=KEEP if self.latitude is None else self.latitude.value,
            longitude=KEEP if self.longitude is None else self.longitude.value,
            opening_hours=KEEP if self.opening_hours is None else _hours(self.opening_hours.value),
            is_pickup_point=self.is_pickup_point,
            ships_to_home=self.ships_to_home,
            priority=self.priority,
            is_active=self.is_active,
            channels=KEEP if self.channels is None else self.channels,
        )


@strawberry.input(description="Which movements to list.")
class InventoryMovementFilter:
    variant_id: strawberry.ID | None = strawberry.field(default=None, description="Only this variant's.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this location's (store staff: their own, which is also the default)."
    )


@strawberry.input(description="The count of a transfer as it arrived.")
class StockTransferReceiveInput:
    quantity: int = strawberry.field(description="Units counted in: at most those sent (fewer when some were lost).")


@strawberry.input(description="Which transfers to list.")
class StockTransferFilter:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those sent from or to this location (store staff: their own, the default)."
    )
    status: StockTransferStatus | None = strawberry.field(default=None, description="Only those in this status.")
