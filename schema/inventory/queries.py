"""Warehouses and stores: the `locations` list and `nearbyStores` (find the closest store, with the
stock of a product there).

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
from domain.errors import DomainError
from domain.inventory import location_services as services
from domain.inventory import locations as rules
from domain.inventory import model as domain
from schema.channels.types import channel_for
from schema.context import Info
from schema.errors import bad_input
from schema.inventory.enums import LocationType
from schema.inventory.types import Location, NearbyStore
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.relay import decode_id


@strawberry.type
class LocationQuery:
    @strawberry.field(
        description="Warehouses and stores, by type (stores first) and then name; with `type`, "
        "by name. Only staff see inactive locations."
    )
    async def locations(
        self,
        info: Info,
        type: Annotated[LocationType | None, strawberry.argument(description="Only this kind of location.")] = None,
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
