"""Warehouses and stores: the `locations` list, `nearbyStores` (find the closest store, with the
stock of a product there), and the staff mutations `locationCreate` / `locationUpdate`.

`nearbyStores` costs a constant few statements whatever it returns: the variant check, one
query for the candidate stores in a latitude/longitude box (with the variant's available units
joined in), then the chosen stores through the `location_by_id` loader. The use cases are
`domain.inventory.location_services`; here the arguments are parsed and the results mapped.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import locations as db
from db.pagination import count
from domain.access.model import Permission
from domain.catalog.commands import KEEP
from domain.errors import DomainError
from domain.inventory import location_services as services
from domain.inventory import locations as rules
from domain.inventory import model as domain
from schema.channels.types import channel_for
from schema.context import Info
from schema.errors import UserError, bad_input, run_mutation, user_errors_field
from schema.inventory.types import Location, LocationType, NearbyStore
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.relay import decode_id

NO_SUCH_KEY = 0  # row keys start at 1: a malformed id becomes NOT_FOUND with the other input errors
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
    type: LocationType = strawberry.field(description="Warehouse or store.")  # type: ignore[valid-type]
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
    type: LocationType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Warehouse or store."
    )
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


@strawberry.type(description="Result of `locationCreate`.")
class LocationCreatePayload:
    location: Location | None = strawberry.field(description="The new location.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `locationUpdate`.")
class LocationUpdatePayload:
    location: Location | None = strawberry.field(description="The location as changed.")
    user_errors: list[UserError] = user_errors_field()


async def _location(info: Info, location_id: int | None) -> Location | None:
    row = await info.context.loaders.location_by_id.load(location_id) if location_id is not None else None
    return Location.from_model(row) if row else None


@strawberry.type
class LocationMutation:
    @strawberry.mutation(
        description="Create a warehouse or store and link it to the channels it sells into. "
        "Staff with the manage-locations permission only."
    )
    async def location_create(
        self,
        info: Info,
        input: Annotated[LocationCreateInput, strawberry.argument(description="The new location.")],
    ) -> LocationCreatePayload:
        require(info, Permission.MANAGE_LOCATIONS)
        location_id, errors = await run_mutation(
            info, lambda: services.create_location(info.context.uow, input.to_command())
        )
        return LocationCreatePayload(location=await _location(info, location_id), user_errors=errors)

    @strawberry.mutation(description="Change a warehouse or store. Staff with the manage-locations permission only.")
    async def location_update(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The location to change.")],
        input: Annotated[LocationUpdateInput, strawberry.argument(description="What to change.")],
    ) -> LocationUpdatePayload:
        require(info, Permission.MANAGE_LOCATIONS)
        command = input.to_command(decode_id(id, "Location") or NO_SUCH_KEY)
        location_id, errors = await run_mutation(info, lambda: services.update_location(info.context.uow, command))
        return LocationUpdatePayload(location=await _location(info, location_id), user_errors=errors)


@strawberry.type
class LocationQuery:
    @strawberry.field(
        description="Warehouses and stores, by type (stores first) and then name; with `type`, "
        "by name. Only staff see inactive locations."
    )
    async def locations(
        self,
        info: Info,
        type: Annotated[LocationType | None, strawberry.argument(description="Only this kind of location.")] = None,  # type: ignore[valid-type]
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Location]:
        kind = domain.LocationType(type.value) if type is not None else None
        staff = info.context.principal.staff_id is not None
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: db.location_page(session, kind, request, size, include_inactive=staff),
            lambda row: Location.from_model(row[0]),
            lambda: count(session, db.location_statement(kind, include_inactive=staff)),
        )

    @strawberry.field(
        description="Active stores within `radiusKm` of a point, closest first, with the "
        'available units of `variantId` at each: "find the closest store that has it".'
    )
    async def nearby_stores(
        self,
        info: Info,
        latitude: Annotated[
            float, strawberry.argument(description="WGS84 latitude of the point to search from, -90 to 90.")
        ],
        longitude: Annotated[float, strawberry.argument(description="WGS84 longitude of the point, -180 to 180.")],
        radius_km: Annotated[
            float | None,
            strawberry.argument(description="Search radius in kilometres, more than 0 and at most 1000 (default 50)."),
        ] = None,
        variant_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The product variant whose availability to show.")
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description="How many stores at most (default 20, max 100).")
        ] = None,
        in_stock_only: Annotated[
            bool | None,
            strawberry.argument(
                description="Only stores with at least one unit of `variantId` available (needs `variantId`)."
            ),
        ] = False,
        channel: Annotated[
            str | None, strawberry.argument(description="Only stores that sell into this channel (slug).")
        ] = None,
    ) -> list[NearbyStore]:
        try:
            search = rules.nearby_search(
                latitude,
                longitude,
                radius_km,
                first,
                in_stock_only=bool(in_stock_only),
                with_variant=variant_id is not None,
            )
        except DomainError as e:
            raise bad_input(e.message) from None
        loaders = info.context.loaders
        variant = decode_id(variant_id, "ProductVariant") if variant_id is not None else None
        if variant_id is not None and (variant is None or await loaders.variant_by_id.load(variant) is None):
            raise bad_input("`variantId` is not a product variant.")
        channel_id = (await channel_for(info, channel)).id if channel is not None else None
        found = await services.nearby_stores(info.context.uow, search, variant_id=variant, channel_id=channel_id)
        rows = await loaders.location_by_id.load_many([f.location_id for f in found])
        return [
            NearbyStore(location=Location.from_model(row), distance_km=f.distance_km, available=f.available)
            for f, row in zip(found, rows, strict=True)
            if row is not None
        ]
