"""Location mutations for staff: `locationCreate` and `locationUpdate` (the use cases are
`domain.inventory.location_services`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.inventory import location_services as services
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.inventory.inputs import LocationCreateInput, LocationUpdateInput
from schema.inventory.types import Location
from schema.permissions import require
from schema.relay import key_of


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
        command = input.to_command(key_of(id, "Location"))
        location_id, errors = await run_mutation(info, lambda: services.update_location(info.context.uow, command))
        return LocationUpdatePayload(location=await _location(info, location_id), user_errors=errors)
